// SPDX-License-Identifier: MIT
// Virtual interrupts from the hypercall one-shot timer: arming it, HLT
// waiting for it, and prepare_entry injecting it or asking for an
// interrupt window (vmx/core/event_delivery.cpp).
#include "vmx/core/event_delivery.hpp"

#include <gtest/gtest.h>

#include "guests/include/nucleo/hypercall.h"
#include "host-tests/support/exit_rig.hpp"

namespace nucleo::vmx::exit_test {
namespace {

constexpr u32 kWindow = proc::kInterruptWindowExiting;

struct TimerRig : ExitRig {
  void arm(u64 delay, u64 vector) {
    regs.rax = NUCLEO_HC_TIMER_ONESHOT;
    regs.rbx = delay;
    regs.rcx = vector;
    exit(ExitReason::vmcall, 0, 3);
  }
  u32 injected() { return vmcs.read(Vmcs32::entry_interruption_info); }
};

TEST(TimerHypercall, GivenADelayAndVectorWhenCalledThenTheTimerIsArmedFromNow) {
  TimerRig r;
  r.cpu.tsc = 1000;
  r.arm(500, 0x30);
  EXPECT_EQ(r.regs.rax, 0u);
  EXPECT_EQ(r.vcpu.timer_deadline, 1500u);
  EXPECT_EQ(r.vcpu.timer_vector, 0x30);
  EXPECT_TRUE(is_advance(r.last));
}

TEST(TimerHypercall, GivenAnExceptionVectorOrAHugeDelayWhenCalledThenRangeErrorAndNothingArmed) {
  const u64 cases[][2] = {{10, 31}, {10, 256}, {NUCLEO_HC_TIMER_MAX_DELAY, 0x30}, {~u64{0}, 0x30}};
  for (const auto& c : cases) {
    TimerRig r;
    r.long64(0);  // all 64 bits of the arguments count
    r.arm(c[0], c[1]);
    EXPECT_EQ(static_cast<i64>(r.regs.rax), NUCLEO_HC_E_RANGE) << c[0] << " " << c[1];
    EXPECT_EQ(r.vcpu.timer_deadline, 0u);
  }
}

TEST(EventDelivery, GivenNothingArmedWhenEnteringThenTheVmcsIsNotTouched) {
  TimerRig r;
  r.touch.touched.clear();
  prepare_entry(r.ctx);
  EXPECT_TRUE(r.touch.touched.empty());
}

TEST(EventDelivery, GivenATimerNotYetDueWhenEnteringThenNothingIsInjected) {
  TimerRig r;
  r.vcpu.timer_deadline = 100;
  r.vcpu.timer_vector = 0x30;
  r.cpu.tsc = 99;
  prepare_entry(r.ctx);
  EXPECT_EQ(r.injected(), 0u);
  EXPECT_EQ(r.vcpu.pending_vector, 0);
  EXPECT_EQ(r.vcpu.timer_deadline, 100u);
}

TEST(EventDelivery, GivenADueTimerAndInterruptsOpenWhenEnteringThenAnExternalInterruptIsInjected) {
  TimerRig r;
  r.vcpu.timer_deadline = 100;
  r.vcpu.timer_vector = 0x30;
  r.cpu.tsc = 100;
  prepare_entry(r.ctx);
  EXPECT_EQ(r.injected(), InterruptionInfo::external_interrupt(0x30).raw);
  EXPECT_EQ(r.vcpu.pending_vector, 0);
  EXPECT_EQ(r.vcpu.timer_deadline, 0u);  // one-shot
  EXPECT_EQ(r.vcpu.interrupts_injected, 1u);
}

TEST(EventDelivery, GivenInterruptsBlockedWhenEnteringThenTheWindowIsRequestedAndTheVectorKept) {
  struct Case {
    const char* why;
    u64 rflags;
    u32 interruptibility;
    u32 injecting;
  };
  const Case cases[] = {
      {"IF = 0", kRflagsFixed, 0, 0},
      {"STI shadow", kRflagsFixed | kRflagsIf, 1, 0},
      {"MOV SS shadow", kRflagsFixed | kRflagsIf, 2, 0},
      {"another event being injected", kRflagsFixed | kRflagsIf, 0,
       InterruptionInfo::software_exception(vec::kBp).raw},
  };
  for (const Case& c : cases) {
    TimerRig r;
    r.vmcs.set(VmcsNat::guest_rflags, c.rflags);
    r.vmcs.set(Vmcs32::guest_interruptibility, c.interruptibility);
    r.vmcs.set(Vmcs32::entry_interruption_info, c.injecting);
    r.vcpu.pending_vector = 0x31;
    prepare_entry(r.ctx);
    EXPECT_EQ(r.injected(), c.injecting) << c.why;
    EXPECT_EQ(r.vcpu.pending_vector, 0x31) << c.why;
    EXPECT_TRUE(r.vmcs.read(Vmcs32::proc_controls) & kWindow) << c.why;
  }
}

TEST(EventDelivery, GivenTheWindowExitWhenTheGuestCanTakeItThenInjectedAndTheWindowClosed) {
  TimerRig r;
  r.vcpu.pending_vector = 0x31;
  r.vmcs.set(Vmcs32::proc_controls, kWindow | proc::kHltExiting);
  r.exit(ExitReason::interrupt_window);
  EXPECT_TRUE(is_resume(r.last));
  EXPECT_EQ(r.vmcs.read(Vmcs32::proc_controls), proc::kHltExiting);
  prepare_entry(r.ctx);
  EXPECT_EQ(r.injected(), InterruptionInfo::external_interrupt(0x31).raw);
  EXPECT_EQ(r.vmcs.read(Vmcs32::proc_controls), proc::kHltExiting);
}

TEST(EventDelivery, GivenHltWithAnArmedTimerWhenHandledThenItWaitsForTheDeadlineLettingHostInterruptsIn) {
  TimerRig r;
  r.vcpu.timer_deadline = 1000;
  r.vcpu.timer_vector = 0x30;
  r.cpu.tsc = 0;
  r.cpu.tsc_step = 100;
  r.exit(ExitReason::hlt, 0, 1);
  EXPECT_TRUE(is_advance(r.last));
  EXPECT_EQ(r.rip(), ExitRig::kRip + 1);
  EXPECT_EQ(r.vcpu.pending_vector, 0x30);
  EXPECT_GE(r.cpu.tsc, 1000u);
  EXPECT_GE(r.cpu.relax_calls, 9);
  prepare_entry(r.ctx);  // and the next entry wakes the guest with it
  EXPECT_EQ(r.injected(), InterruptionInfo::external_interrupt(0x30).raw);
}

TEST(EventDelivery, GivenHltWithInterruptsOffWhenATimerIsArmedThenTheVmStillStops) {
  TimerRig r;
  r.vmcs.set(VmcsNat::guest_rflags, kRflagsFixed);
  r.vcpu.timer_deadline = 1000;
  r.exit(ExitReason::hlt, 0, 1);
  EXPECT_TRUE(is_stop(r.last, StopReason::halted_forever));
}

}  // namespace
}  // namespace nucleo::vmx::exit_test

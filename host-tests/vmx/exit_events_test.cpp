// SPDX-License-Identifier: MIT
// Exits about events and run state (vmx/core/exit_events.cpp): exceptions
// and NMIs, external interrupts, interrupt/NMI windows, triple fault, INIT
// and SIPI, HLT, the preemption timer, and exits nucleo does not handle.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "host-tests/support/exit_rig.hpp"
#include "vmx/core/guest_state_check.hpp"

namespace nucleo::vmx::exit_test {
namespace {

using testing::HasSubstr;

struct EventRig : ExitRig {
  bool exception(u32 interruption_info, u32 error_code = 0, u32 length = 0) {
    vmcs.set(Vmcs32::exit_interruption_info, interruption_info);
    vmcs.set(Vmcs32::exit_interruption_error_code, error_code);
    return exit(ExitReason::exception_or_nmi, 0, length);
  }
};

TEST(EventExit, GivenHostNmiWhenItCausedTheExitThenResumeWithoutInjecting) {
  EventRig r;
  ASSERT_TRUE(r.exception(InterruptionInfo::nmi().raw));
  EXPECT_TRUE(is_resume(r.last));
  EXPECT_TRUE(r.vmcs.writes().empty());
  EXPECT_EQ(r.rip(), ExitRig::kRip);
}

TEST(EventExit, GivenMachineCheckWhenItCausedTheExitThenVmStopsAsAHypervisorError) {
  EventRig r;
  EXPECT_FALSE(r.exception(InterruptionInfo::hardware_exception(vec::kMc, false).raw));
  EXPECT_TRUE(is_stop(r.last, StopReason::hypervisor_error));
  EXPECT_EQ(r.vm.stop_reason, StopReason::hypervisor_error);
  EXPECT_THAT(r.diagnosis(), HasSubstr("machine check"));
  EXPECT_THAT(r.diagnosis(), HasSubstr("RIP 0x1000"));
}

struct ReflectRow {
  const char* name;
  u32 exit_info;
  u32 error_code;
  u32 length;
  u32 entry_info;
  bool writes_error_code, writes_length;
};

TEST(EventExit, GivenInterceptedExceptionWhenReflectedThenVectorTypeAndErrorCodeAreKept) {
  const ReflectRow rows[] = {
      {"#BP from INT3", 0x80000603, 0, 1, 0x80000603, false, true},
      {"#OF from INTO", 0x80000604, 0, 1, 0x80000604, false, true},
      {"#DB from INT1", 0x80000501, 0, 1, 0x80000501, false, true},
      {"#GP(0x18)", 0x80000B0D, 0x18, 0, 0x80000B0D, true, false},
      {"#PF(2)", 0x80000B0E, 0x2, 0, 0x80000B0E, true, false},
      {"#DE", 0x80000300, 0, 0, 0x80000300, false, false},
      {"#UD", 0x80000306, 0, 0, 0x80000306, false, false},
      {"NMI-unblocking bit dropped", 0x80001B0D, 0, 0, 0x80000B0D, true, false},
  };
  for (const ReflectRow& row : rows) {
    SCOPED_TRACE(std::string(row.name) + ", " + interruption_type_name(InterruptionInfo(row.exit_info).type()));
    EventRig r;
    ASSERT_TRUE(r.exception(row.exit_info, row.error_code, row.length));
    ASSERT_EQ(r.last.kind, ExitAction::Kind::inject);
    EXPECT_EQ(r.vmcs.read(Vmcs32::entry_interruption_info), row.entry_info);
    EXPECT_EQ(r.wrote(Vmcs32::entry_exception_error_code), row.writes_error_code);
    if (row.writes_error_code) EXPECT_EQ(r.vmcs.read(Vmcs32::entry_exception_error_code), row.error_code);
    EXPECT_EQ(r.wrote(Vmcs32::entry_instruction_length), row.writes_length);
    if (row.writes_length) EXPECT_EQ(r.vmcs.read(Vmcs32::entry_instruction_length), row.length);
    EXPECT_EQ(r.rip(), ExitRig::kRip);
  }
}

TEST(EventExit, GivenExternalInterruptWhenItCausedTheExitThenResumeAndTouchNothing) {
  EventRig r;
  ASSERT_TRUE(r.exit(ExitReason::external_interrupt));
  EXPECT_TRUE(is_resume(r.last));
  EXPECT_TRUE(r.vmcs.writes().empty());
}

TEST(EventExit, GivenInterruptOrNmiWindowExitWhenHandledThenBothWindowBitsClearAndOtherControlsKept) {
  for (const ExitReason reason : {ExitReason::interrupt_window, ExitReason::nmi_window}) {
    EventRig r;
    const u32 others = proc::kHltExiting | proc::kUseIoBitmaps | proc::kUseMsrBitmaps | proc::kSecondaryControls;
    r.vmcs.set(Vmcs32::proc_controls, others | proc::kInterruptWindowExiting | proc::kNmiWindowExiting);
    ASSERT_TRUE(r.exit(reason));
    EXPECT_TRUE(is_resume(r.last));
    EXPECT_EQ(r.vmcs.read(Vmcs32::proc_controls), others);
    EXPECT_EQ(r.rip(), ExitRig::kRip);
  }
}

TEST(EventExit, GivenTripleFaultWhenHandledThenVmStopsWithRipInTheDiagnostic) {
  EventRig r;
  r.vmcs.set(VmcsNat::guest_rip, 0xC0DE);
  EXPECT_FALSE(r.exit(ExitReason::triple_fault));
  EXPECT_TRUE(is_stop(r.last, StopReason::triple_fault));
  EXPECT_EQ(r.vm.stop_reason, StopReason::triple_fault);
  EXPECT_THAT(r.diagnosis(), HasSubstr("RIP 0xc0de"));
}

TEST(EventExit, GivenInitWhenHandledThenTheVcpuWaitsForSipiAndRegistersStay) {
  EventRig r;
  r.regs.rax = 0x1234;
  ASSERT_TRUE(r.exit(ExitReason::init_signal));
  EXPECT_TRUE(is_resume(r.last));
  EXPECT_EQ(r.vmcs.read(Vmcs32::guest_activity_state), 3u);  // wait-for-SIPI
  EXPECT_EQ(r.regs.rax, 0x1234u);
}

// Controls as vmx/hw/vcpu.cpp computes them: EPT and unrestricted guest.
void set_controls(ExitRig& r) {
  r.vmcs.set(Vmcs32::pin_controls, compute_controls(r.caps.pin, pin::kExternalInterruptExiting, 0).value());
  r.vmcs.set(Vmcs32::proc_controls,
             compute_controls(r.caps.proc, proc::kHltExiting | proc::kSecondaryControls, 0).value());
  r.vmcs.set(Vmcs32::proc_controls2,
             compute_controls(r.caps.proc2, proc2::kEnableEpt | proc2::kUnrestrictedGuest, 0).value());
  r.vmcs.set(Vmcs32::entry_controls, compute_controls(r.caps.entry, entry_ctl::kLoadEfer, entry_ctl::kLoadPat).value());
}

TEST(EventExit, GivenSipiWhenHandledThenRealModeAtVectorTimes4KibWithClearRegistersAndAValidState) {
  for (const u64 qualification : {u64{0x9A}, u64{0x00}, u64{0xFF}, u64{0x19A}}) {
    EventRig r;
    set_controls(r);
    r.vmcs.set(Vmcs32::guest_activity_state, 3);
    r.regs.rax = 1;
    r.regs.r15 = 2;
    ASSERT_TRUE(r.exit(ExitReason::sipi, qualification));
    EXPECT_TRUE(is_resume(r.last));
    const u64 vector = qualification & 0xFF;
    EXPECT_EQ(r.vmcs.read(Vmcs16::guest_cs), vector << 8);
    EXPECT_EQ(r.vmcs.read(VmcsNat::guest_cs_base), vector << 12);
    EXPECT_EQ(r.rip(), 0u);
    EXPECT_EQ(r.vmcs.read(VmcsNat::cr0_read_shadow), 0x60000010u);
    EXPECT_EQ(r.vmcs.read(Vmcs32::guest_activity_state), 0u);
    EXPECT_EQ(r.regs.rax, 0u);
    EXPECT_EQ(r.regs.r15, 0u);
    const GuestStateProblem p = check_guest_state(r.vmcs, r.caps);
    EXPECT_TRUE(p.ok) << p.field << ": " << p.rule;
  }
}

// Regression (fixed): vmx/core/exit_events.cpp handle_init_sipi (through write_guest_state)
// leaves the "IA-32e mode guest" entry control as it was: a vCPU that ran in
// 64-bit mode before INIT (e.g. an AP the guest took offline and starts
// again) gets the real-mode state with IA-32e mode on, and VM entry fails
// (27.3.1.1: CR0.PG must be 1, EFER.LMA must equal the control). INIT/SIPI
// must clear entry_ctl::kIa32eModeGuest.
TEST(EventExit, GivenAVcpuThatRanInLongModeWhenInitAndSipiThenTheRealModeStateIsValid) {
  EventRig r;
  set_controls(r);
  r.vmcs.set(Vmcs32::entry_controls, r.vmcs.read(Vmcs32::entry_controls) | entry_ctl::kIa32eModeGuest);
  r.long64(0x100000);
  ASSERT_TRUE(r.exit(ExitReason::init_signal));
  ASSERT_TRUE(r.exit(ExitReason::sipi, 0x9A));
  const GuestStateProblem p = check_guest_state(r.vmcs, r.caps);
  EXPECT_TRUE(p.ok) << p.field << ": " << p.rule;
}

TEST(EventExit, GivenSipiWhenTheVmcsRefusesAWriteThenVmStopsNamingTheErrorAndRegistersStay) {
  EventRig r;
  r.vmcs.fail_writes_to(Vmcs16::guest_cs);
  r.regs.rax = 7;
  EXPECT_FALSE(r.exit(ExitReason::sipi, 0x10));
  EXPECT_TRUE(is_stop(r.last, StopReason::hypervisor_error));
  EXPECT_THAT(r.diagnosis(), HasSubstr("SIPI"));
  EXPECT_THAT(r.diagnosis(), HasSubstr("VMWRITE failed (injected by FakeVmcs)"));
  EXPECT_EQ(r.regs.rax, 7u);
}

TEST(EventExit, GivenHltWithInterruptsOffWhenHandledThenVmStopsHaltedForever) {
  EventRig r;
  r.vmcs.set(VmcsNat::guest_rflags, kRflagsFixed);
  EXPECT_FALSE(r.exit(ExitReason::hlt, 0, 1));
  EXPECT_TRUE(is_stop(r.last, StopReason::halted_forever));
  EXPECT_EQ(r.vm.stop_reason, StopReason::halted_forever);
  EXPECT_THAT(r.diagnosis(), HasSubstr("HLT with interrupts disabled at RIP 0x1000"));
  EXPECT_EQ(r.rip(), ExitRig::kRip);
}

TEST(EventExit, GivenHltWithInterruptsOnWhenHandledThenItReturnsAtOnce) {
  EventRig r;
  r.vmcs.set(Vmcs32::guest_interruptibility, 1);  // STI; HLT
  ASSERT_TRUE(r.exit(ExitReason::hlt, 0, 1));
  EXPECT_TRUE(is_advance(r.last));
  EXPECT_EQ(r.rip(), ExitRig::kRip + 1);
  EXPECT_EQ(r.vmcs.read(Vmcs32::guest_interruptibility), 0u);
}

TEST(EventExit, GivenPreemptionTimerWhenItExpiresThenReArmedWithTheReloadValue) {
  for (const u64 reload : {u64{0x12345}, u64{0}, u64{0x1'0000'0010}}) {
    EventRig r;
    r.vcpu.preemption_timer = reload;
    ASSERT_TRUE(r.exit(ExitReason::preemption_timer));
    EXPECT_TRUE(is_resume(r.last));
    ASSERT_TRUE(r.wrote(Vmcs32::guest_preemption_timer));
    EXPECT_EQ(r.vmcs.read(Vmcs32::guest_preemption_timer), static_cast<u32>(reload));
  }
}

TEST(EventExit, GivenAnExitNucleoDoesNotHandleWhenItArrivesThenVmStopsNamingReasonQualificationAndRip) {
  EventRig r;
  r.vmcs.set(VmcsNat::guest_rip, 0x2468);
  EXPECT_FALSE(r.exit(ExitReason::rdtsc, 0xABC, 2));
  EXPECT_TRUE(is_stop(r.last, StopReason::unhandled_exit));
  EXPECT_EQ(r.diagnosis(), std::string("unhandled VM exit 16 (") + exit_reason_name(16) +
                               "), qualification 0xabc, RIP 0x2468");
  EXPECT_EQ(r.rip(), 0x2468u);
}

}  // namespace
}  // namespace nucleo::vmx::exit_test

// SPDX-License-Identifier: MIT
// HLT of a vCPU with a virtual local APIC (vmx/core/exit_events.cpp,
// halt_virtual_pc; has_wake_event in event_delivery.cpp): it returns at
// once when the guest could take something, otherwise sleeps in
// CpuAccess::idle() once, until its next timer deadline or a host
// interrupt, and then lets the entry path look.
#include <gtest/gtest.h>

#include "host-tests/vmx/virtual_pc_rig.hpp"

namespace nucleo::vmx::exit_test {
namespace {

struct HaltRig : VirtualPcRig {
  using VirtualPcRig::VirtualPcRig;
  bool hlt() { return pc_exit(ExitReason::hlt, 0, 1); }
};

TEST(VirtualPcHalt, GivenADeliverableInterruptAndIfSetWhenHltThenItRetiresWithoutSleeping) {
  HaltRig r;
  r.enable_apic();
  r.lapic.accept(0x40, IpiKind::fixed);
  ASSERT_TRUE(r.hlt());
  EXPECT_TRUE(is_advance(r.last));
  EXPECT_EQ(r.rip(), ExitRig::kRip + 1);
  EXPECT_TRUE(r.idle_cpu.idle_deadlines.empty());
  prepare_entry(r.pc);  // the interrupt that ended the HLT goes in at once
  EXPECT_EQ(r.injected(), InterruptionInfo::external_interrupt(0x40).raw);
}

TEST(VirtualPcHalt, GivenApicvAndARequestInIrrWhenHltThenItRetiresWithoutSleeping) {
  HaltRig r;
  r.vcpu.apicv = true;
  r.enable_apic();
  r.lapic.accept(0x40, IpiKind::fixed);
  ASSERT_TRUE(r.hlt());
  EXPECT_TRUE(is_advance(r.last));
  EXPECT_TRUE(r.idle_cpu.idle_deadlines.empty());
  EXPECT_TRUE(r.page.test(kIrr, 0x40));  // left for virtual-interrupt delivery
  EXPECT_EQ(r.vmcs.read(Vmcs16::guest_interrupt_status), 0x40u);
}

TEST(VirtualPcHalt, GivenAnExpiredLapicTimerAndIfSetWhenHltThenTheTimerFiresAndHltRetires) {
  HaltRig r;
  r.enable_apic();
  r.arm_tsc_deadline(0x41, 900);  // already in the past
  ASSERT_TRUE(r.hlt());
  EXPECT_TRUE(r.idle_cpu.idle_deadlines.empty());
  EXPECT_EQ(r.vcpu.pending_vector, 0x41);
}

TEST(VirtualPcHalt, GivenTheHypercallTimerDueWhenHltThenItRetiresWithTheVectorPending) {
  HaltRig r;
  r.vcpu.timer_deadline = 1000;
  r.vcpu.timer_vector = 0x33;
  ASSERT_TRUE(r.hlt());
  EXPECT_TRUE(r.idle_cpu.idle_deadlines.empty());
  EXPECT_EQ(r.vcpu.pending_vector, 0x33);
  EXPECT_EQ(r.vcpu.timer_deadline, 0u);
}

TEST(VirtualPcHalt, GivenNothingToWakeForWhenHltThenItSleepsOnceUntilTheEarliestDeadlineAndRetires) {
  HaltRig r;
  r.enable_apic();
  r.arm_tsc_deadline(0x41, 5000);
  r.vcpu.timer_deadline = 3000;
  r.vcpu.timer_vector = 0x33;
  ASSERT_TRUE(r.hlt());
  EXPECT_TRUE(is_advance(r.last));
  EXPECT_EQ(r.idle_cpu.idle_deadlines, (std::vector<u64>{3000}));
  EXPECT_EQ(r.rip(), ExitRig::kRip + 1);
}

TEST(VirtualPcHalt, GivenNoTimerAtAllWhenHltThenItSleepsWithoutADeadline) {
  HaltRig r;
  r.enable_apic();
  ASSERT_TRUE(r.hlt());
  EXPECT_EQ(r.idle_cpu.idle_deadlines, (std::vector<u64>{0}));
}

TEST(VirtualPcHalt, GivenTheTimerExpiringDuringTheSleepWhenTheCoreWakesThenTheNextEntryInjectsIt) {
  HaltRig r;
  r.enable_apic();
  r.arm_tsc_deadline(0x41, 5000);
  r.idle_cpu.on_idle = [&r] { r.cpu.tsc = 5000; };  // the host LAPIC timer woke the core
  ASSERT_TRUE(r.hlt());
  EXPECT_EQ(r.idle_cpu.idle_deadlines, (std::vector<u64>{5000}));
  prepare_entry(r.pc);
  EXPECT_EQ(r.injected(), InterruptionInfo::external_interrupt(0x41).raw);
}

TEST(VirtualPcHalt, GivenAnIpiArrivingDuringTheSleepWhenTheCoreWakesThenHltRetiresAndTheIpiIsInjected) {
  HaltRig r;
  r.enable_apic();
  r.idle_cpu.on_idle = [&r] { r.lapic.accept(0x62, IpiKind::fixed); };  // another vCPU's IPI and its kick
  ASSERT_TRUE(r.hlt());
  EXPECT_EQ(r.idle_cpu.idle_deadlines.size(), 1u);
  EXPECT_TRUE(is_advance(r.last));
  prepare_entry(r.pc);
  EXPECT_EQ(r.injected(), InterruptionInfo::external_interrupt(0x62).raw);
}

TEST(VirtualPcHalt, GivenIfClearAndADeliverableInterruptWhenHltThenTheInterruptDoesNotEndTheWait) {
  HaltRig r;
  r.enable_apic();
  r.set_if(false);
  r.arm_tsc_deadline(0x41, 7000);
  r.lapic.accept(0x40, IpiKind::fixed);
  ASSERT_TRUE(r.hlt());
  EXPECT_EQ(r.idle_cpu.idle_deadlines, (std::vector<u64>{7000}));  // it slept
  EXPECT_FALSE(r.vcpu.nmi_pending);
}

TEST(VirtualPcHalt, GivenIfClearAndAnNmiWhenHltThenItRetiresAtOnceAndTheNmiIsInjected) {
  HaltRig r;
  r.set_if(false);
  r.lapic.accept(0, IpiKind::nmi);
  ASSERT_TRUE(r.hlt());
  EXPECT_TRUE(is_advance(r.last));
  EXPECT_TRUE(r.idle_cpu.idle_deadlines.empty());
  EXPECT_TRUE(r.vcpu.nmi_pending);
  prepare_entry(r.pc);
  EXPECT_EQ(r.injected(), kNmiInjection);
}

TEST(VirtualPcHalt, GivenAPendingNmiFromAnEarlierEntryWhenHltThenItRetiresAtOnce) {
  HaltRig r;
  r.set_if(false);
  r.vcpu.nmi_pending = true;  // its window was open when the guest ran HLT
  ASSERT_TRUE(r.hlt());
  EXPECT_TRUE(r.idle_cpu.idle_deadlines.empty());
}

TEST(VirtualPcHalt, GivenAStoppedVmWhenHltThenItNeitherWaitsNorPolls) {
  HaltRig r;
  r.enable_apic();
  r.vm.stopped = true;  // another vCPU stopped the VM
  r.pc_exit(ExitReason::hlt, 0, 1);
  EXPECT_TRUE(is_advance(r.last));
  EXPECT_TRUE(r.idle_cpu.idle_deadlines.empty());
  EXPECT_EQ(r.cpu.rdtsc_calls, 0);
}

TEST(VirtualPcHalt, GivenTheVmStoppedDuringTheSleepWhenTheCoreWakesThenHltReturnsWithoutLookingAgain) {
  HaltRig r;
  r.enable_apic();
  r.idle_cpu.on_idle = [&r] { r.vm.stopped = true; };
  r.pc_exit(ExitReason::hlt, 0, 1);
  EXPECT_TRUE(is_advance(r.last));
  EXPECT_EQ(r.idle_cpu.idle_deadlines.size(), 1u);
}

TEST(VirtualPcHalt, GivenAnInitArrivingDuringTheSleepWhenTheCoreWakesThenTheVcpuWaitsForSipi) {
  HaltRig r(1);
  r.enable_apic();
  r.idle_cpu.on_idle = [&r] { r.lapic.accept(0, IpiKind::init); };
  ASSERT_TRUE(r.hlt());
  prepare_entry(r.pc);
  EXPECT_EQ(r.activity(), kActivityWaitForSipi);
  EXPECT_EQ(r.injected(), 0u);
}

TEST(VirtualPcHalt, GivenAVmWithoutALapicWhenHltWithNothingArmedThenItReturnsAtOnceWithoutSleeping) {
  // The ExitRig's context has no lapic: the old path, unchanged.
  HaltRig r;
  r.vcpu.has_lapic = false;
  ASSERT_TRUE(r.exit(ExitReason::hlt, 0, 1));
  EXPECT_TRUE(is_advance(r.last));
  EXPECT_TRUE(r.idle_cpu.idle_deadlines.empty());
  EXPECT_EQ(r.cpu.relax_calls, 0);
}

}  // namespace
}  // namespace nucleo::vmx::exit_test

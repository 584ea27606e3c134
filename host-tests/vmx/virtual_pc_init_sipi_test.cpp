// SPDX-License-Identifier: MIT
// INIT and SIPI of a vCPU with a virtual local APIC (vmx/core/exit_events.cpp
// handle_init_sipi, enter_wait_for_sipi): the model, not the physical
// signal, says whether an INIT happened and which vector a SIPI carries
// (docs/virtual-apic.md, "In the hypervisor"); and what the entry path must
// not do to a vCPU that waits for SIPI.
#include <gtest/gtest.h>

#include "host-tests/vmx/virtual_pc_rig.hpp"

namespace nucleo::vmx::exit_test {
namespace {

struct SipiRig : VirtualPcRig {
  explicit SipiRig(u32 id = 1) : VirtualPcRig(id) {}
  void waiting_for_sipi() { vmcs.set(Vmcs32::guest_activity_state, kActivityWaitForSipi); }
};

TEST(VirtualPcInitSipi, GivenAnInitExitTheModelDidNotTakeWhenHandledThenResumeWithNothingChanged) {
  SipiRig r;
  r.enable_apic();
  r.vcpu.pending_vector = 0x31;
  r.vcpu.nmi_pending = true;
  r.regs.rax = 0x1234;
  ASSERT_TRUE(r.pc_exit(ExitReason::init_signal));
  EXPECT_TRUE(is_resume(r.last));
  EXPECT_TRUE(r.vmcs.writes().empty());
  EXPECT_EQ(r.activity(), kActivityActive);
  EXPECT_TRUE(r.lapic.software_enabled());
  EXPECT_EQ(r.vcpu.pending_vector, 0x31);
  EXPECT_TRUE(r.vcpu.nmi_pending);
  EXPECT_EQ(r.regs.rax, 0x1234u);
}

TEST(VirtualPcInitSipi, GivenAnInitInTheModelWhenTheInitExitComesThenTheVcpuWaitsForSipiWithItsApicReset) {
  SipiRig r;
  r.enable_apic();
  r.lapic.accept(0x70, IpiKind::fixed);
  r.vcpu.pending_vector = 0x31;
  r.vcpu.nmi_pending = true;
  r.vmcs.set(Vmcs32::proc_controls, proc::kHltExiting | kIntWindow | kNmiWindow);
  r.vmcs.set(Vmcs32::entry_interruption_info, InterruptionInfo::external_interrupt(0x31).raw);
  r.lapic.accept(0, IpiKind::init);
  ASSERT_TRUE(r.pc_exit(ExitReason::init_signal));
  EXPECT_TRUE(is_resume(r.last));
  EXPECT_EQ(r.activity(), kActivityWaitForSipi);
  EXPECT_EQ(r.proc_controls(), proc::kHltExiting);
  EXPECT_EQ(r.injected(), 0u);
  EXPECT_EQ(r.vcpu.pending_vector, 0);
  EXPECT_FALSE(r.vcpu.nmi_pending);
  EXPECT_FALSE(r.lapic.software_enabled());
  EXPECT_FALSE(r.page.test(kIrr, 0x70));
  EXPECT_FALSE(r.lapic.take_init());
  EXPECT_EQ(r.lapic.mode(), LapicMode::xapic);  // INIT keeps the mode (SDM Vol. 3A 11.4.7.3)
}

TEST(VirtualPcInitSipi, GivenAnInitTakenAtEntryWhenTheStaleInitExitFollowsThenItIsDropped) {
  SipiRig r;
  r.lapic.accept(0, IpiKind::init);
  prepare_entry(r.pc);
  ASSERT_EQ(r.activity(), kActivityWaitForSipi);
  r.vmcs.clear_writes();
  ASSERT_TRUE(r.pc_exit(ExitReason::init_signal));
  EXPECT_TRUE(is_resume(r.last));
  EXPECT_TRUE(r.vmcs.writes().empty());
  EXPECT_EQ(r.activity(), kActivityWaitForSipi);
}

TEST(VirtualPcInitSipi, GivenASipiInTheModelWhenTheSipiExitComesThenRealModeAtTheModelsVectorNotTheQualifications) {
  SipiRig r;
  r.waiting_for_sipi();
  r.regs.rax = 5;
  r.lapic.accept(0x9A, IpiKind::sipi);
  ASSERT_TRUE(r.pc_exit(ExitReason::sipi, 0x10));  // a kick with another vector
  EXPECT_TRUE(is_resume(r.last));
  EXPECT_EQ(r.vmcs.read(Vmcs16::guest_cs), 0x9A00u);
  EXPECT_EQ(r.vmcs.read(VmcsNat::guest_cs_base), 0x9A000u);
  EXPECT_EQ(r.rip(), 0u);
  EXPECT_EQ(r.activity(), kActivityActive);
  EXPECT_EQ(r.regs.rax, 0u);
  u8 vector = 0;
  EXPECT_FALSE(r.lapic.take_sipi(vector));  // consumed
}

TEST(VirtualPcInitSipi, GivenAStaleInitFlagWhenTheSipiStartsTheVcpuThenTheFlagIsDropped) {
  SipiRig r;
  r.waiting_for_sipi();
  r.lapic.accept(0, IpiKind::init);  // INIT, INIT, SIPI: the second arrived while waiting
  r.lapic.accept(0x20, IpiKind::sipi);
  ASSERT_TRUE(r.pc_exit(ExitReason::sipi, 0x20));
  EXPECT_EQ(r.vmcs.read(Vmcs16::guest_cs), 0x2000u);
  EXPECT_FALSE(r.lapic.take_init());
  // The next entry does not put the started vCPU back into wait-for-SIPI.
  prepare_entry(r.pc);
  EXPECT_EQ(r.activity(), kActivityActive);
}

TEST(VirtualPcInitSipi, GivenNoSipiInTheModelWhenASipiExitComesThenResumeStillWaiting) {
  SipiRig r;
  r.waiting_for_sipi();
  r.regs.rax = 5;
  r.lapic.accept(0, IpiKind::init);
  ASSERT_TRUE(r.pc_exit(ExitReason::sipi, 0x10));
  EXPECT_TRUE(is_resume(r.last));
  EXPECT_TRUE(r.vmcs.writes().empty());
  EXPECT_EQ(r.activity(), kActivityWaitForSipi);
  EXPECT_EQ(r.regs.rax, 5u);
  EXPECT_TRUE(r.lapic.take_init());  // left alone without a SIPI
}

TEST(VirtualPcInitSipi, GivenAGuestsInitSipiSipiWhenPlayedThroughEntriesAndExitsThenTheApStartsOnce) {
  SipiRig r;
  r.enable_apic();
  r.lapic.accept(0, IpiKind::init);  // INIT IPI: a host interrupt, then the entry
  ASSERT_TRUE(r.pc_exit(ExitReason::external_interrupt));
  prepare_entry(r.pc);
  ASSERT_EQ(r.activity(), kActivityWaitForSipi);
  r.lapic.accept(0x08, IpiKind::sipi);
  ASSERT_TRUE(r.pc_exit(ExitReason::sipi, 0x08));
  EXPECT_EQ(r.vmcs.read(VmcsNat::guest_cs_base), 0x8000u);
  EXPECT_EQ(r.activity(), kActivityActive);
  // The second SIPI of the sequence finds the vCPU running: no exit, and
  // the model's flag is only ever read at a SIPI exit.
  prepare_entry(r.pc);
  EXPECT_EQ(r.activity(), kActivityActive);
  EXPECT_EQ(r.injected(), 0u);
}

// BUG: vmx/core/event_delivery.cpp prepare_virtual_pc / deliver_pending
// inject events into a vCPU whose activity state is wait-for-SIPI. VM entry
// refuses that: an injected event must not be one that the activity state
// blocks, and wait-for-SIPI blocks all of them (SDM Vol. 3C 27.3.1.5,
// "Activity state"; vmx/core/guest_state_check.cpp checks it too), so the
// VM stops with an entry failure. Three ways in:
//  (a) an NMI IPI to an AP that waits for SIPI (the model accepts NMIs in
//      any enabled mode; the hostile guest sends foreign IPIs);
//  (b) INIT and NMI accepted together: enter_wait_for_sipi clears
//      VcpuState::nmi_pending, but collect_virtual_pc then takes the
//      model's NMI flag, which init_reset() keeps;
//  (c) vCPU 0 after INIT: its APIC is software-disabled, so takes_extint()
//      lets the 8259's interrupt through, and it is injected.
// Expected: nothing injected (entry_interruption_info valid bit 0) while
// the activity state is 3; the NMI stays pending (or is dropped) until the
// SIPI; the 8259 interrupt stays in the PIC. Fix: return early from
// deliver_pending (after taking INIT) while the activity state is
// wait-for-SIPI, as handle_init_sipi already does for the model's SIPI.
TEST(VirtualPcInitSipi, GivenAVcpuWaitingForSipiWhenAnNmiOrThe8259InterruptArrivesThenNothingIsInjected) {
  {  // (a)
    SipiRig r;
    r.waiting_for_sipi();
    r.lapic.accept(0, IpiKind::nmi);
    prepare_entry(r.pc);
    EXPECT_EQ(r.injected() >> 31, 0u) << "(a) NMI injected into wait-for-SIPI";
  }
  {  // (b)
    SipiRig r;
    r.lapic.accept(0, IpiKind::nmi);
    r.lapic.accept(0, IpiKind::init);
    prepare_entry(r.pc);
    ASSERT_EQ(r.activity(), kActivityWaitForSipi);
    EXPECT_EQ(r.injected() >> 31, 0u) << "(b) NMI injected into wait-for-SIPI";
  }
  {  // (c) INIT to the boot vCPU resets the VM: nothing is injected, the VM stops for its on_crash policy
    SipiRig r(0);
    Pic8259Pair& pic = r.attach_pic();
    r.lapic.accept(0, IpiKind::init);
    r.pulse_irq(1);
    prepare_entry(r.pc);
    EXPECT_TRUE(r.pc.vm.stopped);
    EXPECT_EQ(r.pc.vm.stop_reason, StopReason::reboot_requested);
    EXPECT_EQ(r.injected() >> 31, 0u) << "(c) 8259 interrupt injected into a reset VM";
    EXPECT_TRUE(pic.has_interrupt());
  }
}

}  // namespace
}  // namespace nucleo::vmx::exit_test

// SPDX-License-Identifier: MIT
// The entry path of a vCPU with a virtual PC (vmx/core/event_delivery.cpp:
// prepare_entry -> deliver_pending -> prepare_virtual_pc): blocking by SMI,
// a pending INIT, the local APIC's timer and interrupts (posted as RVI with
// APIC virtualization, injected in software without), the VMX-preemption
// timer, the 8259's interrupt on vCPU 0, and virtual NMIs with their window.
#include <gtest/gtest.h>

#include "host-tests/vmx/virtual_pc_rig.hpp"

namespace nucleo::vmx::exit_test {
namespace {

constexpr u32 kOtherControls = proc::kHltExiting | proc::kUseMsrBitmaps | proc::kSecondaryControls;

// ---- prepare_entry: fast path and slow path --------------------------------

TEST(VirtualPcEntry, GivenAVmWithoutALapicAndNothingArmedWhenEnteringThenNoVmcsFieldAndNoTscIsRead) {
  VirtualPcRig r;
  r.vcpu.has_lapic = false;
  r.touch.touched.clear();
  prepare_entry(r.ctx);  // the ExitRig's context: no lapic, no platform
  EXPECT_TRUE(r.touch.touched.empty());
  EXPECT_EQ(r.cpu.rdtsc_calls, 0);
}

TEST(VirtualPcEntry, GivenAVcpuWithALapicAndNothingPendingWhenEnteringThenTheVirtualPcIsPolledButNothingInjected) {
  VirtualPcRig r;
  r.enable_apic();
  r.touch.touched.clear();
  prepare_entry(r.pc);
  EXPECT_TRUE(r.touch.touched.count(FakeVmcs::code(Vmcs32::guest_activity_state)));  // the slow path looked
  EXPECT_GE(r.cpu.rdtsc_calls, 1);
  EXPECT_EQ(r.injected(), 0u);
  EXPECT_FALSE(r.wrote(Vmcs32::entry_interruption_info));
  EXPECT_FALSE(r.wrote(Vmcs32::proc_controls));
}

// ---- blocking by SMI (SDM Vol. 3C 27.3.1.5) ---------------------------------

TEST(VirtualPcEntry, GivenBlockingBySmiSavedOnExitWhenEnteringThenOnlyThatBitIsCleared) {
  VirtualPcRig r;
  r.pc.vcpu.clear_smi_blocking = true;  // a vCPU of a multi-vCPU VM (vmx/hw/guest_vm.cpp)
  r.vmcs.set(Vmcs32::guest_interruptibility, kBlockingBySmi | kBlockingBySti);
  prepare_entry(r.pc);
  EXPECT_EQ(r.vmcs.read(Vmcs32::guest_interruptibility), kBlockingBySti);
}

TEST(VirtualPcEntry, GivenAVcpuWithoutALapicOfAMultiVcpuVmWhenEnteringThenBlockingBySmiIsClearedToo) {
  ExitRig r;  // a paravirtual vCPU: no local APIC, nothing pending
  r.vcpu.clear_smi_blocking = true;
  r.vmcs.set(Vmcs32::guest_interruptibility, kBlockingBySmi);
  prepare_entry(r.ctx);
  EXPECT_EQ(r.vmcs.read(Vmcs32::guest_interruptibility), 0u);
}

TEST(VirtualPcEntry, GivenNoBlockingBySmiWhenEnteringThenTheInterruptibilityFieldIsNotWritten) {
  VirtualPcRig r;
  r.pc.vcpu.clear_smi_blocking = true;
  r.vmcs.set(Vmcs32::guest_interruptibility, kBlockingByMovSs);
  prepare_entry(r.pc);
  EXPECT_FALSE(r.wrote(Vmcs32::guest_interruptibility));
  EXPECT_EQ(r.vmcs.read(Vmcs32::guest_interruptibility), kBlockingByMovSs);
}

// ---- INIT taken at entry (SDM Vol. 3A 10.4.2) -------------------------------

TEST(VirtualPcEntry, GivenAnInitInTheModelWhenEnteringThenWaitForSipiWithTheApicResetAndNothingPending) {
  VirtualPcRig r(1);
  r.enable_apic();
  r.lapic.set_tpr(0x20);
  r.lapic.accept(0x70, IpiKind::fixed);
  r.vcpu.pending_vector = 0x31;
  r.vcpu.nmi_pending = true;
  r.vmcs.set(Vmcs32::entry_interruption_info, InterruptionInfo::external_interrupt(0x31).raw);
  r.vmcs.set(Vmcs32::proc_controls, kOtherControls | kIntWindow | kNmiWindow);
  r.lapic.accept(0, IpiKind::init);
  prepare_entry(r.pc);
  EXPECT_EQ(r.activity(), kActivityWaitForSipi);
  EXPECT_EQ(r.injected(), 0u);
  EXPECT_EQ(r.proc_controls(), kOtherControls);
  EXPECT_EQ(r.vcpu.pending_vector, 0);
  EXPECT_FALSE(r.vcpu.nmi_pending);
  EXPECT_FALSE(r.lapic.software_enabled());  // SVR back to 0xFF
  EXPECT_EQ(r.lapic.tpr(), 0);
  EXPECT_FALSE(r.page.test(kIrr, 0x70));
  EXPECT_FALSE(r.lapic.take_init());  // consumed
}

TEST(VirtualPcEntry, GivenNoInitInTheModelWhenEnteringThenTheActivityStateIsNotWritten) {
  VirtualPcRig r(1);
  r.enable_apic();
  prepare_entry(r.pc);
  EXPECT_FALSE(r.wrote(Vmcs32::guest_activity_state));
}

// ---- the local APIC's timer and interrupts -----------------------------------

TEST(VirtualPcEntry, GivenApicvAndATscDeadlineTimerWhenItExpiresThenTheVectorIsInIrrAndPostedAsRvi) {
  VirtualPcRig r;
  r.vcpu.apicv = true;
  r.enable_apic();
  r.arm_tsc_deadline(0x40, 2000);
  r.cpu.tsc = 1999;
  prepare_entry(r.pc);
  EXPECT_FALSE(r.page.test(kIrr, 0x40));
  EXPECT_EQ(r.vmcs.read(Vmcs16::guest_interrupt_status), 0u);
  r.cpu.tsc = 2000;
  prepare_entry(r.pc);
  EXPECT_TRUE(r.page.test(kIrr, 0x40));
  EXPECT_FALSE(r.page.test(kIsr, 0x40));  // the processor acknowledges it, not nucleo
  EXPECT_EQ(r.vmcs.read(Vmcs16::guest_interrupt_status), 0x40u);  // RVI = 0x40, SVI = 0
  EXPECT_EQ(r.lapic.stats().timer_fired, 1u);
  EXPECT_EQ(r.vcpu.pending_vector, 0);
  EXPECT_FALSE(r.wrote(Vmcs32::entry_interruption_info));
}

TEST(VirtualPcEntry, GivenApicvWhenTheStatusIsUnchangedThenTheGuestInterruptStatusIsNotRewritten) {
  VirtualPcRig r;
  r.vcpu.apicv = true;
  r.enable_apic();
  r.lapic.accept(0x55, IpiKind::fixed);
  prepare_entry(r.pc);
  ASSERT_EQ(r.vmcs.read(Vmcs16::guest_interrupt_status), 0x55u);
  r.vmcs.clear_writes();
  prepare_entry(r.pc);
  EXPECT_FALSE(r.wrote(Vmcs16::guest_interrupt_status));
}

TEST(VirtualPcEntry, GivenNoApicvAndAnExpiredTimerWithInterruptsOpenWhenEnteringThenInjectedAndAcknowledged) {
  VirtualPcRig r;
  r.enable_apic();
  r.arm_tsc_deadline(0x40, 1500);
  r.cpu.tsc = 1500;
  prepare_entry(r.pc);
  EXPECT_EQ(r.injected(), InterruptionInfo::external_interrupt(0x40).raw);
  EXPECT_FALSE(r.page.test(kIrr, 0x40));
  EXPECT_TRUE(r.page.test(kIsr, 0x40));  // the INTA cycle: IRR -> ISR
  EXPECT_EQ(r.vcpu.pending_vector, 0);
  EXPECT_EQ(r.vcpu.interrupts_injected, 1u);
  EXPECT_FALSE(r.wrote(Vmcs16::guest_interrupt_status));
}

TEST(VirtualPcEntry, GivenNoApicvWhenTheGuestCannotTakeTheInterruptThenTheWindowOpensAndTheVectorStaysPending) {
  struct Case {
    const char* why;
    bool interrupts_on;
    u32 blocking;
    u32 injecting;
  };
  const Case cases[] = {
      {"IF = 0", false, 0, 0},
      {"STI shadow", true, kBlockingBySti, 0},
      {"MOV SS shadow", true, kBlockingByMovSs, 0},
      {"another event injected", true, 0, InterruptionInfo::hardware_exception(vec::kGp, true).raw},
  };
  for (const Case& c : cases) {
    VirtualPcRig r;
    r.enable_apic();
    r.set_if(c.interrupts_on);
    r.vmcs.set(Vmcs32::guest_interruptibility, c.blocking);
    r.vmcs.set(Vmcs32::entry_interruption_info, c.injecting);
    r.vmcs.set(Vmcs32::proc_controls, kOtherControls);
    r.lapic.accept(0x61, IpiKind::fixed);
    prepare_entry(r.pc);
    EXPECT_EQ(r.proc_controls(), kOtherControls | kIntWindow) << c.why;
    EXPECT_EQ(r.vcpu.pending_vector, 0x61) << c.why;
    EXPECT_EQ(r.injected(), c.injecting) << c.why;
    EXPECT_EQ(r.vcpu.interrupts_injected, 0u) << c.why;
  }
}

TEST(VirtualPcEntry, GivenAnOpenWindowWhenTheWindowExitComesThenTheNextEntryInjectsAndClosesIt) {
  VirtualPcRig r;
  r.enable_apic();
  r.set_if(false);
  r.vmcs.set(Vmcs32::proc_controls, kOtherControls);
  r.lapic.accept(0x61, IpiKind::fixed);
  prepare_entry(r.pc);
  ASSERT_EQ(r.proc_controls(), kOtherControls | kIntWindow);
  r.set_if(true);  // the guest ran STI; the window exit follows
  ASSERT_TRUE(r.pc_exit(ExitReason::interrupt_window));
  EXPECT_EQ(r.proc_controls(), kOtherControls);
  prepare_entry(r.pc);
  EXPECT_EQ(r.injected(), InterruptionInfo::external_interrupt(0x61).raw);
  EXPECT_EQ(r.proc_controls(), kOtherControls);
  EXPECT_EQ(r.vcpu.pending_vector, 0);
}

TEST(VirtualPcEntry, GivenAnOpenWindowWhenAnotherExitComesFirstAndTheGuestCanTakeItThenInjectedAndTheWindowClosed) {
  VirtualPcRig r;
  r.enable_apic();
  r.set_if(false);
  r.vmcs.set(Vmcs32::proc_controls, kOtherControls);
  r.lapic.accept(0x61, IpiKind::fixed);
  prepare_entry(r.pc);
  ASSERT_EQ(r.proc_controls(), kOtherControls | kIntWindow);
  r.set_if(true);  // STI, then an exit of its own (a CPUID, say) before the window exit
  prepare_entry(r.pc);
  EXPECT_EQ(r.injected(), InterruptionInfo::external_interrupt(0x61).raw);
  EXPECT_EQ(r.proc_controls(), kOtherControls);
}

TEST(VirtualPcEntry, GivenTwoVectorsWhenEnteringTwiceThenTheHigherOneFirstAndTheOtherWaitsForItsWindow) {
  VirtualPcRig r;
  r.enable_apic();
  r.lapic.accept(0x41, IpiKind::fixed);
  r.lapic.accept(0x92, IpiKind::fixed);
  prepare_entry(r.pc);
  EXPECT_EQ(r.injected(), InterruptionInfo::external_interrupt(0x92).raw);
  // The guest is in its handler for 0x92 (ISR): 0x41 is below PPR.
  r.exit_clears_injection();
  prepare_entry(r.pc);
  EXPECT_EQ(r.injected(), 0u);
  EXPECT_EQ(r.vcpu.pending_vector, 0);
  r.lapic.eoi();
  r.lapic.attention.raise();  // the EOI write's own exit (APIC access) raises it
  prepare_entry(r.pc);
  EXPECT_EQ(r.injected(), InterruptionInfo::external_interrupt(0x41).raw);
}

// ---- VMX-preemption timer (SDM Vol. 3C 26.5.1, rate from IA32_VMX_MISC[4:0]) -

struct PreemptionRig : VirtualPcRig {
  static constexpr u32 kShift = 5;  // the timer counts every 2^5 TSC ticks
  static constexpr u64 kSlice = 100000;
  PreemptionRig() {
    caps.misc = (caps.misc & ~u64{0x1F}) | kShift;
    vcpu.preemption_timer = kSlice;
    enable_apic();
  }
  u32 timer() { return vmcs.read(Vmcs32::guest_preemption_timer); }
};

TEST(VirtualPcEntry, GivenNoDeadlineWhenEnteringThenThePreemptionTimerGetsTheWholeSlice) {
  PreemptionRig r;
  EXPECT_EQ(prepare_virtual_pc(r.pc), 0u);
  EXPECT_EQ(r.timer(), PreemptionRig::kSlice);
}

TEST(VirtualPcEntry, GivenALapicDeadlineBeforeTheSliceEndsWhenEnteringThenTheTimerCountsToItInScaledTicks) {
  PreemptionRig r;
  r.arm_tsc_deadline(0x40, 1000 + 3200 + 31);  // 3231 TSC ticks = 100 timer ticks (rounded down)
  EXPECT_EQ(prepare_virtual_pc(r.pc), 4231u);
  EXPECT_EQ(r.timer(), 100u);
}

TEST(VirtualPcEntry, GivenADeadlineBeyondTheSliceWhenEnteringThenTheSliceIsTheLimit) {
  PreemptionRig r;
  r.arm_tsc_deadline(0x40, 1000 + (PreemptionRig::kSlice << PreemptionRig::kShift) + 64);
  (void)prepare_virtual_pc(r.pc);
  EXPECT_EQ(r.timer(), PreemptionRig::kSlice);
}

TEST(VirtualPcEntry, GivenTheHypercallTimerEarlierThanTheLapicTimerWhenEnteringThenTheEarlierDeadlineCounts) {
  PreemptionRig r;
  r.arm_tsc_deadline(0x40, 1000 + 6400);
  r.vcpu.timer_deadline = 1000 + 640;
  r.vcpu.timer_vector = 0x33;
  EXPECT_EQ(prepare_virtual_pc(r.pc), 1640u);
  EXPECT_EQ(r.timer(), 20u);
}

TEST(VirtualPcEntry, GivenAnOverdueDeadlineThatCannotFireYetWhenEnteringThenThePreemptionTimerIsZero) {
  PreemptionRig r;
  // The hypercall timer is due but a vector is still pending ahead of it:
  // it stays armed and in the past.
  r.vcpu.pending_vector = 0x31;
  r.vcpu.timer_deadline = 900;
  r.vcpu.timer_vector = 0x33;
  r.vmcs.set(Vmcs32::guest_preemption_timer, 77);
  EXPECT_EQ(prepare_virtual_pc(r.pc), 900u);
  EXPECT_TRUE(r.wrote(Vmcs32::guest_preemption_timer));
  EXPECT_EQ(r.timer(), 0u);
}

TEST(VirtualPcEntry, GivenThePreemptionTimerOffWhenEnteringThenItsFieldIsNotWritten) {
  VirtualPcRig r;
  r.enable_apic();
  r.arm_tsc_deadline(0x40, 5000);
  EXPECT_EQ(prepare_virtual_pc(r.pc), 5000u);
  EXPECT_FALSE(r.wrote(Vmcs32::guest_preemption_timer));
}

// ---- the 8259 pair on vCPU 0 (MP spec 3.6.2.2, virtual wire) -----------------

constexpr u32 kLint0ExtInt = 7u << 8;  // delivery mode ExtINT, not masked (SDM Vol. 3A 11.5.1)

TEST(VirtualPcEntry, GivenLint0InExtIntModeWhenThePicRaisesAnIrqThenVcpu0TakesItsVectorThroughTheInta) {
  VirtualPcRig r;
  Pic8259Pair& pic = r.attach_pic();
  r.enable_apic();
  r.lapic.write(kLvtLint0, kLint0ExtInt);
  r.pulse_irq(1);
  prepare_entry(r.pc);
  EXPECT_EQ(r.injected(), InterruptionInfo::external_interrupt(0x21).raw);
  EXPECT_EQ(pic.isr(false), 1u << 1);
  EXPECT_FALSE(pic.has_interrupt());
}

TEST(VirtualPcEntry, GivenASoftwareOrGloballyDisabledApicWhenThePicRaisesAnIrqThenItGoesStraightToVcpu0) {
  for (const bool globally : {false, true}) {
    VirtualPcRig r;
    Pic8259Pair& pic = r.attach_pic();
    if (globally) ASSERT_TRUE(r.lapic.set_apic_base(0xFEE00000));  // EN = 0
    ASSERT_FALSE(r.lapic.software_enabled());
    r.pulse_irq(9);  // the slave, through the cascade on IR2
    prepare_entry(r.pc);
    EXPECT_EQ(r.injected(), InterruptionInfo::external_interrupt(0x29).raw) << globally;
    EXPECT_EQ(pic.isr(true), 1u << 1) << globally;
  }
}

TEST(VirtualPcEntry, GivenAnEnabledApicWithLint0MaskedOrNotExtIntWhenThePicRaisesAnIrqThenItStaysInThePic) {
  for (const u32 lint0 : {kLvtMasked, kLint0ExtInt | kLvtMasked, 0u /* fixed */, 4u << 8 /* NMI */}) {
    VirtualPcRig r;
    Pic8259Pair& pic = r.attach_pic();
    r.enable_apic();
    r.lapic.write(kLvtLint0, lint0);
    r.pulse_irq(1);
    prepare_entry(r.pc);
    EXPECT_EQ(r.injected(), 0u) << std::hex << lint0;
    EXPECT_TRUE(pic.has_interrupt()) << std::hex << lint0;
    EXPECT_EQ(pic.isr(false), 0u) << std::hex << lint0;
  }
}

TEST(VirtualPcEntry, GivenAVcpuOtherThanVcpu0WhenThePicHasAnInterruptThenItIsNotAcknowledged) {
  VirtualPcRig r(1);
  Pic8259Pair& pic = r.attach_pic();
  r.pc.platform = nullptr;  // as the vCPU loop sets it for vCPUs 1 and up
  r.pulse_irq(1);
  prepare_entry(r.pc);
  EXPECT_EQ(r.injected(), 0u);
  EXPECT_TRUE(pic.has_interrupt());
}

TEST(VirtualPcEntry, GivenAVectorAlreadyPendingWhenThePicHasAnInterruptThenThePicWaits) {
  VirtualPcRig r;
  Pic8259Pair& pic = r.attach_pic();
  r.set_if(false);
  r.vcpu.pending_vector = 0x31;
  r.pulse_irq(1);
  prepare_entry(r.pc);
  EXPECT_EQ(r.vcpu.pending_vector, 0x31);
  EXPECT_TRUE(pic.has_interrupt());
  EXPECT_EQ(pic.isr(false), 0u);
}

// ---- virtual NMIs (SDM Vol. 3C 27.6.1.1, 26.7.6) ------------------------------

TEST(VirtualPcEntry, GivenAnNmiAcceptedByTheModelWhenNothingBlocksItThenInjectedAsNmiVector2) {
  VirtualPcRig r;
  r.vmcs.set(Vmcs32::proc_controls, kOtherControls);
  r.lapic.accept(0, IpiKind::nmi);
  prepare_entry(r.pc);
  EXPECT_EQ(r.injected(), kNmiInjection);
  EXPECT_EQ(r.injected(), InterruptionInfo::nmi().raw);
  EXPECT_FALSE(r.vcpu.nmi_pending);
  EXPECT_EQ(r.vcpu.nmis_injected, 1u);
  EXPECT_EQ(r.proc_controls(), kOtherControls);
  EXPECT_FALSE(r.lapic.take_nmi());
}

TEST(VirtualPcEntry, GivenAnNmiThatCannotBeDeliveredWhenEnteringThenTheNmiWindowOpensAndItStaysPending) {
  struct Case {
    const char* why;
    u32 blocking;
    u32 injecting;
  };
  const Case cases[] = {
      {"blocking by NMI", kBlockingByNmi, 0},
      {"STI shadow", kBlockingBySti, 0},
      {"MOV SS shadow", kBlockingByMovSs, 0},
      {"another event injected", 0, InterruptionInfo::hardware_exception(vec::kPf, true).raw},
  };
  for (const Case& c : cases) {
    VirtualPcRig r;
    r.vmcs.set(Vmcs32::guest_interruptibility, c.blocking);
    r.vmcs.set(Vmcs32::entry_interruption_info, c.injecting);
    r.vmcs.set(Vmcs32::proc_controls, kOtherControls);
    r.lapic.accept(0, IpiKind::nmi);
    prepare_entry(r.pc);
    EXPECT_EQ(r.proc_controls(), kOtherControls | kNmiWindow) << c.why;
    EXPECT_TRUE(r.vcpu.nmi_pending) << c.why;
    EXPECT_EQ(r.injected(), c.injecting) << c.why;
    EXPECT_EQ(r.vcpu.nmis_injected, 0u) << c.why;
    // Entering again while still blocked: the window stays, no second write.
    r.vmcs.clear_writes();
    prepare_entry(r.pc);
    EXPECT_FALSE(r.wrote(Vmcs32::proc_controls)) << c.why;
    EXPECT_TRUE(r.vcpu.nmi_pending) << c.why;
  }
}

TEST(VirtualPcEntry, GivenAPendingNmiWhenTheNmiWindowExitComesThenTheWindowClosesAndTheNextEntryInjectsIt) {
  VirtualPcRig r;
  r.vmcs.set(Vmcs32::proc_controls, kOtherControls);
  r.vmcs.set(Vmcs32::guest_interruptibility, kBlockingByNmi);
  r.lapic.accept(0, IpiKind::nmi);
  prepare_entry(r.pc);
  ASSERT_EQ(r.proc_controls(), kOtherControls | kNmiWindow);
  r.vmcs.set(Vmcs32::guest_interruptibility, 0);  // the guest's IRET ended the blocking
  ASSERT_TRUE(r.pc_exit(ExitReason::nmi_window));
  EXPECT_TRUE(is_resume(r.last));
  EXPECT_EQ(r.proc_controls(), kOtherControls);
  prepare_entry(r.pc);
  EXPECT_EQ(r.injected(), kNmiInjection);
  EXPECT_FALSE(r.vcpu.nmi_pending);
  EXPECT_EQ(r.proc_controls(), kOtherControls);
}

TEST(VirtualPcEntry, GivenTheNmiWindowStillOpenWhenTheNmiIsInjectedThenTheWindowIsClosed) {
  VirtualPcRig r;
  r.vmcs.set(Vmcs32::proc_controls, kOtherControls | kNmiWindow);
  r.vcpu.nmi_pending = true;
  prepare_entry(r.pc);
  EXPECT_EQ(r.injected(), kNmiInjection);
  EXPECT_EQ(r.proc_controls(), kOtherControls);
}

TEST(VirtualPcEntry, GivenAnNmiAndAnInterruptWhenEnteringThenTheNmiGoesFirstAndTheInterruptGetsItsWindow) {
  VirtualPcRig r;
  r.enable_apic();
  r.vmcs.set(Vmcs32::proc_controls, kOtherControls);
  r.lapic.accept(0x50, IpiKind::fixed);
  r.lapic.accept(0, IpiKind::nmi);
  prepare_entry(r.pc);
  EXPECT_EQ(r.injected(), kNmiInjection);
  EXPECT_EQ(r.vcpu.pending_vector, 0x50);
  EXPECT_EQ(r.proc_controls(), kOtherControls | kIntWindow);
  // The window exit after the NMI handler started, then the interrupt.
  r.exit_clears_injection();
  ASSERT_TRUE(r.pc_exit(ExitReason::interrupt_window));
  prepare_entry(r.pc);
  EXPECT_EQ(r.injected(), InterruptionInfo::external_interrupt(0x50).raw);
  EXPECT_EQ(r.vcpu.pending_vector, 0);
  EXPECT_EQ(r.vcpu.nmis_injected, 1u);
  EXPECT_EQ(r.vcpu.interrupts_injected, 1u);
}

TEST(VirtualPcEntry, GivenAnNmiBlockedOnlyByNmiBlockingWhenAnInterruptIsDeliverableThenTheInterruptIsInjected) {
  // Blocking by NMI does not block maskable interrupts (SDM Vol. 3A 6.7.1):
  // the interrupt goes in, the NMI waits for its window.
  VirtualPcRig r;
  r.enable_apic();
  r.vmcs.set(Vmcs32::proc_controls, kOtherControls);
  r.vmcs.set(Vmcs32::guest_interruptibility, kBlockingByNmi);
  r.lapic.accept(0x50, IpiKind::fixed);
  r.lapic.accept(0, IpiKind::nmi);
  prepare_entry(r.pc);
  EXPECT_EQ(r.injected(), InterruptionInfo::external_interrupt(0x50).raw);
  EXPECT_TRUE(r.vcpu.nmi_pending);
  EXPECT_EQ(r.proc_controls(), kOtherControls | kNmiWindow);
}

}  // namespace
}  // namespace nucleo::vmx::exit_test

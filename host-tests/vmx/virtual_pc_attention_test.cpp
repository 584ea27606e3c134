// SPDX-License-Identifier: MIT
// The event-driven entry path (issue 11; vmx/core/event_delivery.hpp,
// kernel/virt/attention.hpp): once the local APIC and the devices have
// been looked at and nothing is left, an entry after an exit that cannot
// change them (CPUID) reads no TSC and touches no VMCS field; the models
// run again when their attention is raised: by an exit that may have
// touched them (the preemption timer that stands for their deadline, an
// APIC access, a window), an interrupt accepted from any core, a device
// access that may change an interrupt (the 8259, through the port bus).
#include <gtest/gtest.h>

#include "host-tests/support/io_recorder.hpp"
#include "host-tests/vmx/virtual_pc_rig.hpp"

namespace nucleo::vmx::exit_test {
namespace {

using test::Dir;
using test::io_qual;

struct AttentionRig : VirtualPcRig {
  static constexpr u32 kShift = 5;
  static constexpr u64 kSlice = 100000;
  AttentionRig() {
    caps.misc = (caps.misc & ~u64{0x1F}) | kShift;
    vcpu.preemption_timer = kSlice;
    enable_apic();
    set_if(true);
    prepare_entry(pc);  // the first entry looks: attention starts raised
  }
  // A CPUID exit (leaf 0) and the entry after it; true if the entry only
  // tested (no TSC read, no VMCS field touched).
  bool cpuid_round_trip() {
    regs.rax = 0;
    EXPECT_TRUE(pc_exit(ExitReason::cpuid, 0, 2));
    touch.touched.clear();
    const auto tsc_reads = cpu.rdtsc_calls;
    prepare_entry(pc);
    return touch.touched.empty() && cpu.rdtsc_calls == tsc_reads;
  }
};

TEST(VirtualPcAttention, GivenNothingPendingWhenACpuidExitReturnsThenTheEntryRunsNoDeviceOrApicWork) {
  AttentionRig r;
  EXPECT_FALSE(r.lapic.attention.raised());
  EXPECT_TRUE(r.cpuid_round_trip());
  EXPECT_TRUE(r.cpuid_round_trip());
}

TEST(VirtualPcAttention, GivenALapicDeadlineWhenThePreemptionTimerExitsAtItThenTheNextEntryFiresAndInjects) {
  AttentionRig r;
  r.arm_tsc_deadline(0x40, 1000 + 3200);  // a WRMSR exit in the guest: attention raised
  r.lapic.attention.raise();
  prepare_entry(r.pc);
  EXPECT_EQ(r.vmcs.read(Vmcs32::guest_preemption_timer), 100u) << "armed for the deadline: 3200 >> 5";
  EXPECT_TRUE(r.cpuid_round_trip()) << "before the deadline: nothing to do";
  r.cpu.tsc = 1000 + 3200;
  r.exit_clears_injection();
  ASSERT_TRUE(r.pc_exit(ExitReason::preemption_timer));
  prepare_entry(r.pc);
  EXPECT_EQ(r.injected(), InterruptionInfo::external_interrupt(0x40).raw);
}

TEST(VirtualPcAttention, GivenAnInterruptAcceptedFromAnotherCoreThenTheNextEntryTakesItWithoutAnExitOfItsOwn) {
  AttentionRig r;
  EXPECT_TRUE(r.lapic.accept(0x55, IpiKind::fixed));
  EXPECT_TRUE(r.lapic.attention.raised());
  prepare_entry(r.pc);
  EXPECT_EQ(r.injected(), InterruptionInfo::external_interrupt(0x55).raw);
}

TEST(VirtualPcAttention, GivenAnExitThatIsNotQuietWhenDispatchedThenTheAttentionIsRaised) {
  AttentionRig r;
  ASSERT_FALSE(r.lapic.attention.raised());
  ASSERT_TRUE(r.pc_exit(ExitReason::interrupt_window));
  EXPECT_TRUE(r.lapic.attention.raised());
  prepare_entry(r.pc);
  EXPECT_FALSE(r.lapic.attention.raised());
  for (ExitReason quiet : {ExitReason::cpuid, ExitReason::rdmsr, ExitReason::xsetbv, ExitReason::wbinvd})
    EXPECT_TRUE(exit_route(static_cast<u32>(quiet)).quiet);
  for (ExitReason loud : {ExitReason::wrmsr, ExitReason::hlt, ExitReason::apic_access, ExitReason::ept_violation,
                          ExitReason::external_interrupt, ExitReason::preemption_timer, ExitReason::exception_or_nmi})
    EXPECT_FALSE(exit_route(static_cast<u32>(loud)).quiet);
}

TEST(VirtualPcAttention, GivenThePreemptionTimerOffAndADeadlineArmedThenEveryEntryLooksAsBefore) {
  AttentionRig r;
  r.vcpu.preemption_timer = 0;
  r.arm_tsc_deadline(0x41, 5000);
  r.lapic.attention.raise();
  prepare_entry(r.pc);
  EXPECT_TRUE(r.lapic.attention.raised()) << "nothing would make the vCPU exit at the deadline";
  r.cpu.tsc = 5000;
  r.exit_clears_injection();
  prepare_entry(r.pc);  // any entry after it: fired
  EXPECT_EQ(r.injected(), InterruptionInfo::external_interrupt(0x41).raw);
}

// vCPU 0 of a VM with the 8259 pair attached through the virtual PC, which
// raises its attention on accesses that may change what it delivers.
struct PicAttentionRig : AttentionRig {
  PicAttentionRig() {
    platform = std::make_unique<PcPlatform>(vm, clock, CmosRtc::Config{});
    PcPlatformSetup setup;
    setup.devices = device_bit(Device::pic) | device_bit(Device::pit);
    lapics[0] = &lapic;
    setup.lapics = Span<VirtualLapic* const>(lapics, 1);
    EXPECT_TRUE(platform->attach(setup).ok());
    pc.platform = platform.get();
    lapic.write(kLvtLint0, 7u << 8);  // ExtINT: the virtual wire
    const u8 master[] = {0x11, 0x20, 0x04, 0x01, 0xFF};  // ICW1-4, then OCW1: everything masked
    for (u32 i = 0; i < 5; ++i) vm.io.out(i == 0 ? Pic8259Pair::kMasterCommand : Pic8259Pair::kMasterData, 1, master[i]);
    prepare_entry(pc);
  }
  VirtualLapic* lapics[1] = {};
};

TEST(VirtualPcAttention, GivenAMaskedIrqWhenTheGuestUnmasksItThroughThePortThenTheEntryAfterThatExitDeliversIt) {
  PicAttentionRig r;
  r.platform->pic()->set_irq(1, true);
  r.platform->pic()->set_irq(1, false);  // latched in IRR, masked
  EXPECT_TRUE(r.cpuid_round_trip());
  EXPECT_EQ(r.injected(), 0u);
  r.regs.rax = 0xFD;  // OCW1: unmask IRQ 1
  ASSERT_TRUE(r.pc_exit(ExitReason::io_instruction, io_qual(Pic8259Pair::kMasterData, 1, Dir::out), 1));
  EXPECT_TRUE(r.lapic.attention.raised()) << "the 8259 was written";
  prepare_entry(r.pc);
  EXPECT_EQ(r.injected(), InterruptionInfo::external_interrupt(0x21).raw);
}

TEST(VirtualPcAttention, GivenTwoPicRequestsWhenTheFirstIsInjectedThenTheEntryKeepsLookingForTheSecond) {
  PicAttentionRig r;
  r.regs.rax = 0x00;  // unmask all
  ASSERT_TRUE(r.pc_exit(ExitReason::io_instruction, io_qual(Pic8259Pair::kMasterData, 1, Dir::out), 1));
  prepare_entry(r.pc);
  r.platform->pic()->set_irq(3, true);
  r.platform->pic()->set_irq(4, true);
  r.lapic.attention.raise();
  prepare_entry(r.pc);
  EXPECT_EQ(r.injected(), InterruptionInfo::external_interrupt(0x23).raw);
  // IRQ 4 is lower: the 8259 holds it until the EOI, which is a port write.
  r.exit_clears_injection();
  r.regs.rax = 0x20;  // OCW2: non-specific EOI
  ASSERT_TRUE(r.pc_exit(ExitReason::io_instruction, io_qual(Pic8259Pair::kMasterCommand, 1, Dir::out), 1));
  prepare_entry(r.pc);
  EXPECT_EQ(r.injected(), InterruptionInfo::external_interrupt(0x24).raw);
}

TEST(VirtualPcAttention, GivenPitReadsThenTheyAreQuietButPitWritesRaiseTheAttention) {
  PicAttentionRig r;
  ASSERT_TRUE(r.pc_exit(ExitReason::io_instruction, io_qual(Pit8254::kPortB, 1, Dir::in), 1));
  EXPECT_FALSE(r.lapic.attention.raised());
  r.regs.rax = 0x34;
  ASSERT_TRUE(r.pc_exit(ExitReason::io_instruction, io_qual(Pit8254::kControl, 1, Dir::out), 1));
  EXPECT_TRUE(r.lapic.attention.raised());
}

}  // namespace
}  // namespace nucleo::vmx::exit_test

namespace nucleo::vmx::exit_test {
namespace {

// With virtual-interrupt delivery the processor EOIs without exits, except
// for the vectors of the EOI-exit bitmap (SDM Vol. 3C 30.1.4): a
// level-triggered vector (an I/O APIC message) gets its bit, so its EOI
// exits and reaches the I/O APIC.
TEST(VirtualPcAttention, GivenApicvWhenALevelTriggeredVectorIsAcceptedThenItsEoiExitBitIsWritten) {
  AttentionRig r;
  r.vcpu.apicv = true;
  EXPECT_TRUE(r.lapic.accept(0x61, IpiKind::fixed, true));
  prepare_entry(r.pc);
  EXPECT_EQ(r.vmcs.read(Vmcs64::eoi_exit_bitmap1), u64{1} << (0x61 - 64));
  EXPECT_EQ(r.vcpu.eoi_exit[1], u64{1} << (0x61 - 64));
  r.vmcs.clear_writes();
  r.lapic.attention.raise();
  prepare_entry(r.pc);
  EXPECT_FALSE(r.wrote(Vmcs64::eoi_exit_bitmap1)) << "unchanged: not written again";
}

}  // namespace
}  // namespace nucleo::vmx::exit_test

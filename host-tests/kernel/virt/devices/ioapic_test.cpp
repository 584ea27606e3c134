// SPDX-License-Identifier: MIT
// The I/O APIC model (kernel/virt/devices/ioapic.cpp) against the 82093AA
// data sheet: its registers through IOREGSEL/IOWIN, redirection entries,
// edge and level pins with Remote IRR and the local APICs' EOIs, masking,
// and delivery to real VirtualLapics by physical and logical destination.
#include "kernel/virt/devices/ioapic.hpp"

#include <gtest/gtest.h>

#include <vector>

#include "host-tests/kernel/virt/lapic/lapic_fixture.hpp"

namespace nucleo {
namespace {

using lapic_test::LapicVm;

constexpr u32 kFixed = 0 << 8, kLowest = 1 << 8, kSmi = 2 << 8, kNmi = 4 << 8, kInit = 5 << 8, kExtInt = 7 << 8;

struct Kick {
  u32 vcpu;
  IpiKind kind;
  bool operator==(const Kick&) const = default;
};

struct RecordingKicker final : VcpuKicker {
  void kick(u32 vcpu, IpiKind kind) override { log.push_back({vcpu, kind}); }
  std::vector<Kick> log;
};

struct Rig {
  LapicVm vm{4};
  RecordingKicker kicker;
  IoApic io;
  explicit Rig() {
    vm.enable_all();
    io.connect(Span<VirtualLapic* const>(vm.lapics.data(), vm.lapics.size()), &kicker);
    for (VirtualLapic* l : vm.lapics) l->set_eoi_listener(&io);
  }
  u32 reg(u32 index) {
    io.write(IoApic::kRegSelect, index);
    return io.read(IoApic::kWindow);
  }
  void set_reg(u32 index, u32 value) {
    io.write(IoApic::kRegSelect, index);
    io.write(IoApic::kWindow, value);
  }
  void route(u32 pin, u32 low, u8 dest) {
    set_reg(IoApic::kRegTable + 2 * pin + 1, u32{dest} << 24);
    set_reg(IoApic::kRegTable + 2 * pin, low);
  }
  // The vector vCPU i would take next (-1: none), and its INTA cycle.
  i32 pending(u32 i) { return vm[i].pending_vector(); }
  void take_and_eoi(u32 i) {
    const i32 v = vm[i].pending_vector();
    ASSERT_GE(v, 0);
    vm[i].acknowledge(static_cast<u8>(v));
    vm[i].write(vlapic::kEoi, 0);
  }
};

// ---- registers ------------------------------------------------------------------

TEST(IoApic, GivenResetWhenReadingTheIdentityRegistersThenVersion0x11With24EntriesAndId0) {
  Rig r;
  EXPECT_EQ(r.reg(IoApic::kRegVersion), 0x00170011u);  // max redirection entry 23, version 0x11
  EXPECT_EQ(r.reg(IoApic::kRegId), 0u);
  EXPECT_EQ(r.reg(IoApic::kRegArbitration), 0u);
  for (u32 pin = 0; pin < IoApic::kPins; ++pin) EXPECT_EQ(r.io.entry(pin), u64{IoApic::kMasked}) << pin;
}

TEST(IoApic, GivenWritesToIdVersionAndArbitrationThenOnlyTheIdBits27To24Stick) {
  Rig r;
  r.set_reg(IoApic::kRegId, 0xFFFFFFFF);
  r.set_reg(IoApic::kRegVersion, 0);
  EXPECT_EQ(r.reg(IoApic::kRegId), 0x0F000000u);
  EXPECT_EQ(r.reg(IoApic::kRegArbitration), 0x0F000000u);
  EXPECT_EQ(r.reg(IoApic::kRegVersion), 0x00170011u);
}

TEST(IoApic, GivenIoregselWhenWrittenThenOnlyBits7To0AreKeptAndReadBack) {
  Rig r;
  r.io.write(IoApic::kRegSelect, 0x12345611);
  EXPECT_EQ(r.io.read(IoApic::kRegSelect), 0x11u);
  EXPECT_EQ(r.io.read(0x20), 0u) << "offsets other than IOREGSEL/IOWIN read 0";
  r.io.write(0x20, 0xFFFFFFFF);
  EXPECT_EQ(r.io.read(IoApic::kRegSelect), 0x11u);
  EXPECT_EQ(r.reg(0x40), 0u) << "past the table: reserved";
}

TEST(IoApic, GivenARedirectionEntryWhenProgrammedThenItReadsBackWithoutTheReadOnlyBits) {
  Rig r;
  r.set_reg(IoApic::kRegTable + 2 * 5, 0xFFFFFFFF);
  r.set_reg(IoApic::kRegTable + 2 * 5 + 1, 0xFFFFFFFF);
  const u32 low = r.reg(IoApic::kRegTable + 2 * 5), high = r.reg(IoApic::kRegTable + 2 * 5 + 1);
  EXPECT_EQ(low & IoApic::kDeliveryStatus, 0u);
  EXPECT_EQ(low & IoApic::kRemoteIrr, 0u);
  EXPECT_EQ(low, 0x1AFFFu) << "vector, mode, dest mode, polarity, trigger, mask";
  EXPECT_EQ(high, 0xFF000000u) << "only the destination byte";
  EXPECT_EQ(r.io.entry(5), u64{0xFF000000} << 32 | 0x1AFFF);
}

// ---- edge-triggered pins ------------------------------------------------------

TEST(IoApic, GivenAnUnmaskedEdgePinWhenItRisesThenTheVectorReachesThePhysicalDestinationOnce) {
  Rig r;
  r.route(2, kFixed | 0x30, 1);
  r.io.set_irq(2, true);
  r.io.set_irq(2, true);  // no new edge
  r.io.set_irq(2, false);
  EXPECT_EQ(r.pending(1), 0x30);
  EXPECT_EQ(r.pending(0), -1);
  EXPECT_EQ(r.kicker.log, (std::vector<Kick>{{1, IpiKind::fixed}}));
  EXPECT_EQ(r.io.stats().delivered, 1u);
  EXPECT_EQ(r.io.entry(2) & IoApic::kRemoteIrr, 0u) << "edge entries never set Remote IRR";
}

TEST(IoApic, GivenAMaskedEdgePinWhenItRisesThenTheEdgeIsLostEvenAfterUnmasking) {
  Rig r;
  r.route(4, IoApic::kMasked | 0x31, 0);
  r.io.set_irq(4, true);
  r.route(4, 0x31, 0);
  EXPECT_EQ(r.pending(0), -1);
  EXPECT_EQ(r.io.stats().masked_edges, 1u);
  r.io.set_irq(4, false);
  r.io.set_irq(4, true);
  EXPECT_EQ(r.pending(0), 0x31);
}

TEST(IoApic, GivenBroadcastDestination0xFfWhenAnEdgeArrivesThenEveryLocalApicTakesIt) {
  Rig r;
  r.route(3, 0x40, 0xFF);
  r.io.set_irq(3, true);
  for (u32 i = 0; i < 4; ++i) EXPECT_EQ(r.pending(i), 0x40) << i;
}

TEST(IoApic, GivenLogicalFlatDestinationWhenAnEdgeArrivesThenTheApicsWhoseLdrBitMatchesTakeIt) {
  Rig r;
  for (u32 i = 0; i < 4; ++i) r.vm[i].write(vlapic::kLdr, (1u << i) << 24);  // flat model (DFR all ones)
  r.route(6, IoApic::kDestLogical | 0x41, 0b1010);
  r.io.set_irq(6, true);
  EXPECT_EQ(r.pending(0), -1);
  EXPECT_EQ(r.pending(1), 0x41);
  EXPECT_EQ(r.pending(2), -1);
  EXPECT_EQ(r.pending(3), 0x41);
}

TEST(IoApic, GivenLowestPriorityWhenSeveralMatchThenExactlyOneTakesIt) {
  Rig r;
  for (u32 i = 0; i < 4; ++i) r.vm[i].write(vlapic::kLdr, (1u << i) << 24);
  r.route(7, IoApic::kDestLogical | kLowest | 0x42, 0b1100);
  r.io.set_irq(7, true);
  EXPECT_EQ(r.pending(2), 0x42);
  EXPECT_EQ(r.pending(3), -1);
  EXPECT_EQ(r.kicker.log.size(), 1u);
}

TEST(IoApic, GivenNmiAndInitDeliveryModesWhenAnEdgeArrivesThenTheTargetGetsThatEvent) {
  Rig r;
  r.route(8, kNmi, 2);
  r.route(9, kInit, 3);
  r.io.set_irq(8, true);
  r.io.set_irq(9, true);
  EXPECT_TRUE(r.vm[2].take_nmi());
  EXPECT_TRUE(r.vm[3].take_init());
  EXPECT_EQ(r.kicker.log, (std::vector<Kick>{{2, IpiKind::nmi}, {3, IpiKind::init}}));
}

TEST(IoApic, GivenSmiOrExtIntOrNoMatchingApicWhenAnEdgeArrivesThenNothingIsDeliveredAndItIsCounted) {
  Rig r;
  r.route(10, kSmi | 0x50, 0);
  r.route(11, kExtInt | 0x51, 0);
  r.route(12, kFixed | 0x52, 9);  // no APIC ID 9 in a 4-vCPU VM
  for (u32 pin : {10u, 11u, 12u}) r.io.set_irq(pin, true);
  for (u32 i = 0; i < 4; ++i) EXPECT_EQ(r.pending(i), -1);
  EXPECT_EQ(r.io.stats().refused, 2u);
  EXPECT_EQ(r.io.stats().no_target, 1u);
  EXPECT_TRUE(r.kicker.log.empty());
}

TEST(IoApic, GivenPinsOutsideTheTableWhenDrivenThenNothingHappens) {
  Rig r;
  r.io.set_irq(IoApic::kPins, true);
  r.io.set_irq(1000, true);
  EXPECT_EQ(r.io.stats().delivered + r.io.stats().no_target, 0u);
}

// ---- level-triggered pins: Remote IRR and EOI -----------------------------------

TEST(IoApic, GivenALevelPinWhenAssertedThenOneMessageSetsRemoteIrrAndTheTmrUntilTheEoi) {
  Rig r;
  r.route(9, IoApic::kLevel | 0x60, 0);
  r.io.set_irq(9, true);
  EXPECT_EQ(r.pending(0), 0x60);
  EXPECT_NE(r.io.entry(9) & IoApic::kRemoteIrr, 0u);
  EXPECT_NE(r.reg(IoApic::kRegTable + 18) & IoApic::kRemoteIrr, 0u) << "Remote IRR reads back";
  r.io.set_irq(9, true);  // still asserted: no second message while Remote IRR is set
  EXPECT_EQ(r.kicker.log.size(), 1u);
  r.io.set_irq(9, false);
  r.take_and_eoi(0);  // level vector: the local APIC's EOI reaches the I/O APIC
  EXPECT_EQ(r.io.entry(9) & IoApic::kRemoteIrr, 0u);
  EXPECT_EQ(r.io.stats().eois, 1u);
  EXPECT_EQ(r.vm[0].stats().level_eois, 1u);
  EXPECT_EQ(r.pending(0), -1) << "the line fell before the EOI: nothing more";
}

TEST(IoApic, GivenALevelPinStillAssertedAtTheEoiThenItIsDeliveredAgain) {
  Rig r;
  r.route(10, IoApic::kLevel | 0x61, 1);
  r.io.set_irq(10, true);
  r.take_and_eoi(1);
  EXPECT_EQ(r.pending(1), 0x61) << "the line is still high: a new message";
  EXPECT_NE(r.io.entry(10) & IoApic::kRemoteIrr, 0u);
  EXPECT_EQ(r.kicker.log.size(), 2u);
}

TEST(IoApic, GivenAnEoiOfAnotherVectorOrAnEdgeVectorThenRemoteIrrStays) {
  Rig r;
  r.route(11, IoApic::kLevel | 0x62, 0);
  r.io.set_irq(11, true);
  r.io.level_eoi(0x63);
  EXPECT_NE(r.io.entry(11) & IoApic::kRemoteIrr, 0u);
  r.route(12, 0x64, 0);  // edge: its EOI is not broadcast (TMR clear)
  r.io.set_irq(12, true);
  r.take_and_eoi(0);  // 0x64 is the higher: taken and EOId first
  EXPECT_EQ(r.vm[0].stats().level_eois, 0u);
  EXPECT_NE(r.io.entry(11) & IoApic::kRemoteIrr, 0u);
}

TEST(IoApic, GivenAMaskedAssertedLevelPinWhenUnmaskedThenItIsDeliveredThen) {
  Rig r;
  r.route(13, IoApic::kMasked | IoApic::kLevel | 0x65, 2);
  r.io.set_irq(13, true);
  EXPECT_EQ(r.pending(2), -1);
  r.route(13, IoApic::kLevel | 0x65, 2);
  EXPECT_EQ(r.pending(2), 0x65);
  EXPECT_NE(r.io.entry(13) & IoApic::kRemoteIrr, 0u);
}

TEST(IoApic, GivenALevelEntryWithNoTargetWhenAssertedThenRemoteIrrStaysClear) {
  Rig r;
  r.route(14, IoApic::kLevel | 0x66, 7);
  r.io.set_irq(14, true);
  EXPECT_EQ(r.io.entry(14) & IoApic::kRemoteIrr, 0u) << "no APIC took it: nothing would ever EOI it";
}

TEST(IoApic, GivenRemoteIrrSetWhenTheEntryTurnsEdgeThenRemoteIrrClears) {
  Rig r;
  r.route(15, IoApic::kLevel | 0x67, 0);
  r.io.set_irq(15, true);
  r.route(15, 0x67, 0);
  EXPECT_EQ(r.io.entry(15) & IoApic::kRemoteIrr, 0u);
}

TEST(IoApic, GivenResetWhenPinsAndEntriesWereSetThenEverythingIsMaskedAgain) {
  Rig r;
  r.route(1, 0x70, 0);
  r.set_reg(IoApic::kRegId, 0x05000000);
  r.io.set_irq(1, true);
  r.io.reset();
  EXPECT_EQ(r.io.entry(1), u64{IoApic::kMasked});
  EXPECT_EQ(r.reg(IoApic::kRegId), 0u);
  EXPECT_EQ(r.io.stats().delivered, 0u);
}

TEST(IoApic, GivenNoLocalApicsConnectedWhenAPinRisesThenNothingIsDelivered) {
  IoApic io;
  io.write(IoApic::kRegSelect, IoApic::kRegTable);
  io.write(IoApic::kWindow, 0x30);
  io.set_irq(0, true);
  EXPECT_EQ(io.stats().no_target, 1u);
}

}  // namespace
}  // namespace nucleo

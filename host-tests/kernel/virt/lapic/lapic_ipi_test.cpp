// SPDX-License-Identifier: MIT
// IPIs between the virtual local APICs of one VM (kernel/virt/lapic/
// lapic_ipi.cpp): physical and logical (flat, cluster, x2APIC cluster)
// destinations, every shorthand, broadcast, delivery modes, destinations
// outside the VM, and concurrent senders that must never lose an IRR bit.
#include <gtest/gtest.h>

#include <thread>

#include "host-tests/kernel/virt/lapic/lapic_fixture.hpp"

namespace nucleo::lapic_test {
namespace {

constexpr u32 kFixed = 0x000, kLowest = 0x100, kSmi = 0x200, kNmi = 0x400, kInit = 0x500, kStartup = 0x600;
constexpr u32 kExtInt = 0x700, kLogical = 0x800, kAssert = 0x4000, kLevel = 0x8000;
constexpr u32 kSelf = 1u << 18, kAllIncl = 2u << 18, kAllExcl = 3u << 18;

struct IpiVm : LapicVm {
  explicit IpiVm(u32 n = 4) : LapicVm(n) { enable_all(); }
  void send(u32 from, u8 destination, u32 low) {
    lapics[from]->write(kIcrHigh, u32{destination} << 24);
    lapics[from]->write(kIcrLow, low);
  }
  std::vector<u32> irr_holders(u8 vector) {
    std::vector<u32> out;
    for (u32 i = 0; i < lapics.size(); ++i)
      if (lapics[i]->pending_vector() == vector) out.push_back(i);
    return out;
  }
};

TEST(LapicIpi, GivenPhysicalDestinationWhenFixedIpiSentThenOnlyThatVcpuGetsIt) {
  IpiVm vm;
  vm.send(0, 2, kFixed | kAssert | 0x50);
  EXPECT_EQ(vm.sink.log, (std::vector<Delivery>{{2, IpiKind::fixed, 0x50}}));
  EXPECT_EQ(vm.irr_holders(0x50), std::vector<u32>{2});
  EXPECT_EQ(vm[0].read(kIcrLow) & kLvtDeliveryStatus, 0u) << "delivery status reads idle";
  EXPECT_EQ(vm[0].read(kIcrLow), kAssert | 0x50u);
}

TEST(LapicIpi, GivenPhysicalDestinationOutsideTheVmWhenSentThenDroppedAndCounted) {
  IpiVm vm;
  vm.send(1, 4, kFixed | 0x50);
  vm.send(1, 0xFE, kNmi);
  EXPECT_TRUE(vm.sink.log.empty());
  EXPECT_EQ(vm[1].stats().ipis_dropped, 2u);
  EXPECT_EQ(vm[1].stats().ipis_sent, 0u);
}

TEST(LapicIpi, GivenOwnIdWhenSentThenAcceptedLocallyWithoutTheSink) {
  IpiVm vm;
  vm.send(3, 3, kFixed | 0x60);
  EXPECT_TRUE(vm.sink.log.empty());
  EXPECT_EQ(vm.irr_holders(0x60), std::vector<u32>{3});
}

TEST(LapicIpi, GivenEachShorthandWhenSentThenExactlyTheRightVcpus) {
  {
    IpiVm vm;
    vm.send(1, 3, kSelf | 0x61);  // the destination field is ignored
    EXPECT_EQ(vm.irr_holders(0x61), std::vector<u32>{1});
  }
  {
    IpiVm vm;
    vm.send(1, 0, kAllIncl | 0x62);
    EXPECT_EQ(vm.irr_holders(0x62), (std::vector<u32>{0, 1, 2, 3}));
    EXPECT_EQ(vm.sink.log.size(), 3u);
  }
  {
    IpiVm vm;
    vm.send(1, 0, kAllExcl | 0x63);
    EXPECT_EQ(vm.irr_holders(0x63), (std::vector<u32>{0, 2, 3}));
  }
  {
    IpiVm vm;
    vm.send(2, 0xFF, kFixed | 0x64);  // physical broadcast
    EXPECT_EQ(vm.irr_holders(0x64), (std::vector<u32>{0, 1, 2, 3}));
  }
}

TEST(LapicIpi, GivenFlatLogicalIdsWhenLogicalIpiSentThenEveryBitMatchIsHit) {
  IpiVm vm;
  for (u32 i = 0; i < 4; ++i) vm[i].write(kLdr, (1u << i) << 24);  // DFR flat by default
  vm.send(0, 0x0A, kLogical | 0x70);  // bits 1 and 3
  EXPECT_EQ(vm.irr_holders(0x70), (std::vector<u32>{1, 3}));
  vm.send(0, 0x30, kLogical | 0x71);  // bits 4 and 5: no such vCPU
  EXPECT_TRUE(vm.irr_holders(0x71).empty());
  EXPECT_EQ(vm[0].stats().ipis_dropped, 1u);
}

TEST(LapicIpi, GivenXapicLogicalAllOnesWhenSentThenOnlyApicsWithALogicalIdBitMatchNotABroadcast) {
  IpiVm vm;  // SDM Vol. 3A 11.6.2.2: flat logical matching is a bitwise AND
  vm.send(0, 0xFF, kLogical | 0x72);  // every LDR still 0 (reset): nobody, not even the sender
  EXPECT_TRUE(vm.irr_holders(0x72).empty());
  vm[2].write(kLdr, 0x04u << 24);
  vm.send(0, 0xFF, kLogical | 0x73);
  EXPECT_EQ(vm.irr_holders(0x73), std::vector<u32>{2});
}

TEST(LapicIpi, GivenClusterModelWhenLogicalIpiSentThenClusterAndMemberBitsMatch) {
  IpiVm vm;
  const u32 ldr[] = {0x11, 0x12, 0x21, 0x22};  // clusters 1 and 2, members bit 0 and 1
  for (u32 i = 0; i < 4; ++i) {
    vm[i].write(kDfr, kDfrCluster);
    vm[i].write(kLdr, ldr[i] << 24);
  }
  vm.send(0, 0x23, kLogical | 0x72);
  EXPECT_EQ(vm.irr_holders(0x72), (std::vector<u32>{2, 3}));
  vm.send(0, 0x12, kLogical | 0x73);
  EXPECT_EQ(vm.irr_holders(0x73), std::vector<u32>{1});
}

TEST(LapicIpi, GivenLowestPriorityWhenSeveralMatchThenOnlyTheLowestNumberedAsFixed) {
  IpiVm vm;
  for (u32 i = 0; i < 4; ++i) vm[i].write(kLdr, 0x0F000000);
  vm.send(3, 0x0F, kLogical | kLowest | 0x74);
  EXPECT_EQ(vm.irr_holders(0x74), std::vector<u32>{0});
  EXPECT_EQ(vm.sink.log, (std::vector<Delivery>{{0, IpiKind::fixed, 0x74}}));
}

TEST(LapicIpi, GivenNmiInitAndStartupWhenSentThenTargetsPendingFlagsWithSipiVector) {
  IpiVm vm;
  vm.send(0, 1, kNmi);
  vm.send(0, 2, kInit | kAssert);
  vm.send(0, 2, kStartup | 0x9F);
  EXPECT_TRUE(vm[1].take_nmi());
  EXPECT_FALSE(vm[2].take_nmi());
  EXPECT_TRUE(vm[2].take_init());
  u8 vector = 0;
  EXPECT_TRUE(vm[2].take_sipi(vector));
  EXPECT_EQ(vector, 0x9F);
  EXPECT_EQ(vm.sink.log, (std::vector<Delivery>{{1, IpiKind::nmi, 0}, {2, IpiKind::init, 0}, {2, IpiKind::sipi, 0x9F}}));
}

TEST(LapicIpi, GivenInitLevelDeassertWhenSentThenNothingHappens) {
  IpiVm vm;
  vm.send(0, 0, kAllIncl | kInit | kLevel);  // level 0, trigger level
  EXPECT_TRUE(vm.sink.log.empty());
  EXPECT_FALSE(vm[0].take_init());
  EXPECT_EQ(vm[0].stats().ipis_sent, 0u);
}

TEST(LapicIpi, GivenSmiExtIntAndReservedModesWhenSentThenRefusedAndReported) {
  IpiVm vm;
  vm.send(0, 1, kSmi);
  vm.send(0, 1, kExtInt);
  vm.send(0, 1, 0x300);
  EXPECT_TRUE(vm.sink.log.empty());
  EXPECT_EQ(vm[0].stats().ipis_refused, 3u);
  EXPECT_EQ(vm[0].stats().last_refused, DeliveryMode::reserved3);
}

TEST(LapicIpi, GivenNoSinkWhenIpiForAnotherVcpuThenDroppedButSelfStillWorks) {
  IpiVm vm(2);
  vm[0].connect({}, nullptr);
  vm.send(0, 1, kFixed | 0x50);
  vm.send(0, 0, kFixed | 0x51);
  EXPECT_EQ(vm[0].stats().ipis_dropped, 1u);
  EXPECT_EQ(vm[0].pending_vector(), 0x51);
}

TEST(LapicIpi, GivenTargetGloballyDisabledWhenIpiArrivesThenNothingIsPending) {
  IpiVm vm(2);
  ASSERT_TRUE(vm[1].set_apic_base(0xFEE00000));  // EN = 0
  vm.send(0, 1, kFixed | 0x50);
  vm.send(0, 1, kNmi);
  EXPECT_FALSE(vm[1].take_nmi());
  EXPECT_EQ(vm[1].pending_vector(), -1);
}

TEST(LapicIpi, GivenTwoSendersOnTwoThreadsWhenManyVectorsAcceptedThenNoBitIsLost) {
  OneLapic r;
  VirtualLapic& target = r.apic();
  for (int round = 0; round < 200; ++round) {
    // Thread A sets the even vectors 16..254, thread B the odd ones, racing
    // on the same 32-bit words; the owner merges concurrently.
    std::thread a([&] {
      for (u32 v = 16; v < 256; v += 2) target.accept(static_cast<u8>(v), IpiKind::fixed);
    });
    std::thread b([&] {
      for (u32 v = 17; v < 256; v += 2) target.accept(static_cast<u8>(v), IpiKind::fixed);
    });
    for (int i = 0; i < 50; ++i) target.sync_incoming();
    a.join();
    b.join();
    target.sync_incoming();
    for (u32 reg = 0; reg < 8; ++reg)
      ASSERT_EQ(target.read(kIrr + reg * 16), reg == 0 ? 0xFFFF0000u : 0xFFFFFFFFu) << "round " << round;
    for (u32 v = 16; v < 256; ++v) target.acknowledge(static_cast<u8>(v));
    for (u32 v = 16; v < 256; ++v) target.eoi();
    ASSERT_EQ(target.pending_vector(), -1);
  }
}

}  // namespace
}  // namespace nucleo::lapic_test

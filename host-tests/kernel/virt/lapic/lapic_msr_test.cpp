// SPDX-License-Identifier: MIT
// The MSR interface of the virtual local APIC (kernel/virt/lapic/
// lapic_msr.cpp): IA32_APIC_BASE mode transitions (SDM Vol. 3A 11.12.5),
// the x2APIC register map (11.12.1.2 Table 11-6) with its #GP cases, the
// 64-bit ICR, SELF IPI, and x2APIC logical destinations (11.12.10.2).
#include <gtest/gtest.h>

#include "host-tests/kernel/virt/lapic/lapic_fixture.hpp"

namespace nucleo::lapic_test {
namespace {

constexpr u64 kXapic = 0xFEE00000 | kApicBaseEnable;
constexpr u64 kX2apic = kXapic | kApicBaseExtd;
constexpr u64 kDisabled = 0xFEE00000;

struct X2Vm : LapicVm {
  explicit X2Vm(u32 n = 2) : LapicVm(n) {
    for (VirtualLapic* l : lapics) {
      EXPECT_TRUE(l->set_apic_base(kX2apic));
      EXPECT_FALSE(l->wrmsr(0x80F, 0x1FF).gp);  // SVR: software enable
    }
  }
};

TEST(LapicMsr, GivenXapicWhenEachTransitionAttemptedThenOnlyTheLegalOnesSucceed) {
  const struct {
    u64 from;
    u64 to;
    bool ok;
  } rows[] = {
      {kXapic, kX2apic, true},      {kXapic, kDisabled, true},    {kX2apic, kDisabled, true},
      {kDisabled, kXapic, true},    {kX2apic, kXapic, false},     {kDisabled, kX2apic, false},
      {kXapic, kDisabled | kApicBaseExtd, false},  // EN 0, EXTD 1: invalid
      {kX2apic, kX2apic, true},
  };
  for (const auto& row : rows) {
    LapicVm vm(1);
    if (row.from == kDisabled) {
      ASSERT_TRUE(vm[0].set_apic_base(kDisabled));
    } else if (row.from == kX2apic) {
      ASSERT_TRUE(vm[0].set_apic_base(kX2apic));
    }
    EXPECT_EQ(vm[0].set_apic_base(row.to), row.ok) << std::hex << row.from << " -> " << row.to;
    EXPECT_EQ(vm[0].wrmsr(kMsrApicBase, row.to).gp, !row.ok && row.from != row.to);
  }
}

TEST(LapicMsr, GivenReservedApicBaseBitsWhenWrittenThenGp) {
  LapicVm vm(2);
  for (u64 bad : {kXapic | 1, kXapic | (1u << 9), kXapic | (u64{1} << 36)})
    EXPECT_TRUE(vm[1].wrmsr(kMsrApicBase, bad).gp) << std::hex << bad;
  EXPECT_EQ(vm[1].rdmsr(kMsrApicBase).value, 0xFEE00800u);
}

TEST(LapicMsr, GivenCpuWithoutX2apicWhenExtdSetThenGp) {
  FakeClock clock;
  LapicPage page{};
  LapicConfig config;
  config.x2apic = false;
  VirtualLapic a(page, clock, config);
  EXPECT_FALSE(a.set_apic_base(kX2apic));
}

TEST(LapicMsr, GivenBspWhenApicBaseWrittenWithoutBspBitThenBspStays) {
  LapicVm vm(1);
  EXPECT_TRUE(vm[0].set_apic_base(0xFED00000 | kApicBaseEnable));
  EXPECT_EQ(vm[0].rdmsr(kMsrApicBase).value, 0xFED00900u);
}

TEST(LapicMsr, GivenXapicWhenSwitchedToX2apicThenIdIs32BitsAndLdrDerived) {
  LapicVm vm(20);
  VirtualLapic& a = vm[19];  // x2APIC ID 19 = cluster 1, member bit 3
  a.write(kTpr, 0x20);
  ASSERT_TRUE(a.set_apic_base(kX2apic));
  EXPECT_EQ(a.rdmsr(0x802).value, 19u);
  EXPECT_EQ(a.rdmsr(0x80D).value, 0x00010008u);
  EXPECT_EQ(a.rdmsr(0x808).value, 0x20u) << "other registers keep their values";
  EXPECT_EQ(a.rdmsr(0x803).value, 0x00050014u);
  EXPECT_EQ(a.read(kTpr), 0u) << "no MMIO in x2APIC mode";
}

TEST(LapicMsr, GivenDisableAndReenableWhenReadThenPowerUpState) {
  LapicVm vm(1);
  vm[0].write(kSvr, 0x1FF);
  vm[0].write(kTpr, 0x40);
  ASSERT_TRUE(vm[0].set_apic_base(kDisabled));
  EXPECT_EQ(vm[0].mode(), LapicMode::disabled);
  ASSERT_TRUE(vm[0].set_apic_base(kXapic));
  EXPECT_EQ(vm[0].read(kTpr), 0u);
  EXPECT_EQ(vm[0].read(kSvr), 0xFFu);
}

TEST(LapicMsr, GivenXapicModeWhenX2apicMsrAccessedThenGp) {
  LapicVm vm(1);
  EXPECT_TRUE(vm[0].rdmsr(0x802).gp);
  EXPECT_TRUE(vm[0].wrmsr(0x808, 0).gp);
  EXPECT_TRUE(VirtualLapic::handles_msr(0x802));
  EXPECT_TRUE(VirtualLapic::handles_msr(0xBFF));
  EXPECT_TRUE(VirtualLapic::handles_msr(kMsrTscDeadline));
  EXPECT_FALSE(VirtualLapic::handles_msr(0xC00));
  EXPECT_FALSE(VirtualLapic::handles_msr(0x10));
}

TEST(LapicMsr, GivenX2apicWhenEachMsrReadThenMappedOrGpPerTable11_6) {
  X2Vm vm;
  VirtualLapic& a = vm[1];
  for (u32 msr = 0x800; msr <= 0xBFF; ++msr) {
    const u32 offset = (msr - 0x800) << 4;
    bool readable = false;
    if (msr <= 0x8FF) {
      readable = offset == kId || offset == kVersion || offset == kTpr || offset == kPpr || offset == kLdr ||
                 offset == kSvr || (offset >= kIsr && offset < kIrr + 0x80) || offset == kEsr || offset == kIcrLow ||
                 (offset >= kLvtTimer && offset <= kLvtError) || offset == kTimerInitial ||
                 offset == kTimerCurrent || offset == kTimerDivide;
    }
    EXPECT_EQ(a.rdmsr(msr).gp, !readable) << std::hex << msr;
  }
}

TEST(LapicMsr, GivenX2apicWhenReadOnlyWrittenOrWriteOnlyReadThenGp) {
  X2Vm vm;
  VirtualLapic& a = vm[0];
  for (u32 msr : {0x802u, 0x803u, 0x80Au, 0x80Du, 0x810u, 0x818u, 0x820u, 0x839u, 0x809u, 0x80Cu, 0x80Eu, 0x831u, 0x82Fu})
    EXPECT_TRUE(a.wrmsr(msr, 0).gp) << std::hex << msr;
  EXPECT_TRUE(a.rdmsr(0x80B).gp);  // EOI
  EXPECT_TRUE(a.rdmsr(0x83F).gp);  // SELF IPI
}

TEST(LapicMsr, GivenX2apicWhenReservedBitsWrittenThenGpAndNothingChanges) {
  X2Vm vm;
  VirtualLapic& a = vm[0];
  const struct {
    u32 msr;
    u64 value;
  } bad[] = {
      {0x808, 0x100},           {0x808, u64{1} << 32}, {0x80B, 1},          {0x828, 1},
      {0x80F, 0x1000 | 0x1FF},  {0x832, 0x80000},      {0x835, 0x40000},    {0x837, 0x700},
      {0x83E, 0x4},             {0x83F, 0x100},        {0x830, 0x1000},     {0x830, 0x20000},
  };
  for (const auto& row : bad) {
    const u64 before = row.msr == 0x80B || row.msr == 0x83F ? 0 : a.rdmsr(row.msr).value;
    EXPECT_TRUE(a.wrmsr(row.msr, row.value).gp) << std::hex << row.msr << " " << row.value;
    if (row.msr != 0x80B && row.msr != 0x83F) EXPECT_EQ(a.rdmsr(row.msr).value, before) << std::hex << row.msr;
  }
  EXPECT_TRUE(vm.sink.log.empty());
}

TEST(LapicMsr, GivenX2apicWhenRegistersWrittenThenReadBack) {
  X2Vm vm;
  VirtualLapic& a = vm[0];
  EXPECT_FALSE(a.wrmsr(0x808, 0x30).gp);
  EXPECT_EQ(a.rdmsr(0x808).value, 0x30u);
  EXPECT_EQ(a.rdmsr(0x80A).value, 0x30u);
  EXPECT_FALSE(a.wrmsr(0x835, 0x1A7FF).gp);
  EXPECT_EQ(a.rdmsr(0x835).value, 0x1A7FFu);
  EXPECT_FALSE(a.wrmsr(0x83E, 0xB).gp);
  EXPECT_EQ(a.rdmsr(0x83E).value, 0xBu);
  EXPECT_FALSE(a.wrmsr(0x828, 0).gp);
  EXPECT_EQ(a.rdmsr(0x828).value, 0u);
}

TEST(LapicMsr, GivenX2apicIcrWhenWrittenThen64BitDestinationAndReadBack) {
  X2Vm vm(3);
  EXPECT_FALSE(vm[0].wrmsr(kMsrIcr, u64{2} << 32 | 0x4055).gp);
  EXPECT_EQ(vm.sink.log, (std::vector<Delivery>{{2, IpiKind::fixed, 0x55}}));
  EXPECT_EQ(vm[2].pending_vector(), 0x55);
  EXPECT_EQ(vm[0].rdmsr(kMsrIcr).value, u64{2} << 32 | 0x4055);
  EXPECT_FALSE(vm[0].wrmsr(kMsrIcr, u64{0x100} << 32 | 0x4055).gp);  // no x2APIC ID 0x100 in this VM
  EXPECT_EQ(vm[0].stats().ipis_dropped, 1u);
  EXPECT_FALSE(vm[0].wrmsr(kMsrIcr, u64{0xFFFFFFFF} << 32 | 0x4056).gp);  // broadcast
  EXPECT_EQ(vm[1].pending_vector(), 0x56);
}

TEST(LapicMsr, GivenX2apicLogicalDestinationWhenSentThenClusterAndMemberBitsMatch) {
  X2Vm vm(20);  // IDs 0..15 in cluster 0, 16..19 in cluster 1
  EXPECT_FALSE(vm[0].wrmsr(kMsrIcr, u64{0x0001000A} << 32 | 0x0800 | 0x57).gp);  // cluster 1, members 1 and 3
  EXPECT_EQ(vm.sink.log, (std::vector<Delivery>{{17, IpiKind::fixed, 0x57}, {19, IpiKind::fixed, 0x57}}));
}

TEST(LapicMsr, GivenSelfIpiMsrWhenWrittenThenOwnIrrAndIllegalVectorReported) {
  X2Vm vm;
  EXPECT_FALSE(vm[1].wrmsr(kMsrSelfIpi, 0x66).gp);
  EXPECT_EQ(vm[1].pending_vector(), 0x66);
  EXPECT_TRUE(vm.sink.log.empty());
  EXPECT_FALSE(vm[1].wrmsr(kMsrSelfIpi, 0x03).gp);
  EXPECT_FALSE(vm[1].wrmsr(0x828, 0).gp);
  EXPECT_EQ(vm[1].rdmsr(0x828).value, kEsrSendIllegalVector);
}

TEST(LapicMsr, GivenX2apicEoiWhenZeroWrittenThenHighestIsrClears) {
  X2Vm vm;
  vm[0].accept(0x50, IpiKind::fixed);
  vm[0].acknowledge(0x50);
  EXPECT_EQ(vm[0].rdmsr(0x815).value, 0u);
  EXPECT_EQ(vm[0].rdmsr(0x812).value, 1u << 16);
  EXPECT_FALSE(vm[0].wrmsr(0x80B, 0).gp);
  EXPECT_EQ(vm[0].rdmsr(0x812).value, 0u);
}

}  // namespace
}  // namespace nucleo::lapic_test

// SPDX-License-Identifier: MIT
// Control-register exits (vmx/core/exit_cr.cpp) with the Haswell CR0/CR4
// ownership of vmx/hw/vcpu.cpp (CR0: NE; CR4: VMXE and every bit VMX
// forbids): shadows, #GP rules, LMSW, CLTS, the RSP operand, and the
// accesses nucleo does not intercept.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdio>

#include "host-tests/support/exit_rig.hpp"

namespace nucleo::vmx::exit_test {
namespace {

constexpr u64 kNe = 1u << 5, kTs = 1u << 3, kVmxe = 1u << 13;

enum class CrType : u64 { mov_to = 0, mov_from = 1, clts = 2, lmsw = 3 };
constexpr u64 cr_qual(u64 cr, CrType type, u64 gpr = 0, u64 lmsw_source = 0) {
  return cr | static_cast<u64>(type) << 4 | gpr << 8 | lmsw_source << 16;
}

struct CrRig : ExitRig {
  bool mov_to(u32 cr, u64 value, u32 gpr = 0) {
    if (gpr == 4) vmcs.set(VmcsNat::guest_rsp, value);
    else regs.set(gpr, value);
    return exit(ExitReason::cr_access, cr_qual(cr, CrType::mov_to, gpr), 3);
  }
  u64 cr0() { return vmcs.read(VmcsNat::guest_cr0); }
  u64 cr0_shadow() { return vmcs.read(VmcsNat::cr0_read_shadow); }
  u64 cr4() { return vmcs.read(VmcsNat::guest_cr4); }
  u64 cr4_shadow() { return vmcs.read(VmcsNat::cr4_read_shadow); }
};

TEST(CrExit, GivenHaswellOwnershipWhenSetUpThenCr0OwnsNeAndCr4OwnsVmxeAndForbiddenBits) {
  CrRig r;
  EXPECT_EQ(r.cr0_owned(), kNe);
  EXPECT_TRUE(r.cr4_owned() & kVmxe);
  EXPECT_TRUE(r.cr4_owned() & (1u << 12));  // LA57: not in Haswell's CR4_FIXED1
  EXPECT_FALSE(r.cr4_owned() & (1u << 5));   // PAE is the guest's
}

TEST(CrExit, GivenMovToCr0ClearingNeWhenHandledThenShadowTakesItAndTheRealCr0KeepsNe) {
  CrRig r;
  ASSERT_TRUE(r.mov_to(0, 0x11));
  EXPECT_TRUE(is_advance(r.last));
  EXPECT_EQ(r.cr0_shadow(), 0x11u);
  EXPECT_EQ(r.cr0(), 0x31u);
  EXPECT_EQ(r.rip(), ExitRig::kRip + 3);
}

TEST(CrExit, GivenValidCr0ValuesWhenWrittenThenShadowIsTheValueAndRealHasNe) {
  for (const u64 v : {u64{0x80000011}, u64{0x80050033}, u64{0x60000011}, u64{0x40000010}, u64{0x00000010}}) {
    CrRig r;
    ASSERT_TRUE(r.mov_to(0, v));
    EXPECT_TRUE(is_advance(r.last)) << std::hex << v;
    EXPECT_EQ(r.cr0_shadow(), v);
    EXPECT_EQ(r.cr0(), v | kNe);
  }
}

TEST(CrExit, GivenInvalidCr0ValuesWhenWrittenThenGpAndNothingChanges) {
  const u64 values[] = {
      u64{1} << 32 | 0x11,  // reserved bits 63:32
      0x80000010,           // PG without PE
      0x20000011,           // NW without CD
  };
  for (const u64 v : values) {
    CrRig r;
    ASSERT_TRUE(r.mov_to(0, v));
    EXPECT_TRUE(is_gp(r.last)) << std::hex << v;
    EXPECT_EQ(r.cr0_shadow(), 0x11u);
    EXPECT_EQ(r.cr0(), 0x31u);
    EXPECT_FALSE(r.wrote(VmcsNat::cr0_read_shadow));
    EXPECT_EQ(r.rip(), ExitRig::kRip);
  }
}

TEST(CrExit, GivenMovToCr0FromEachRegisterWhenHandledThenThatRegistersValueIsUsed) {
  for (u32 gpr = 0; gpr < 16; ++gpr) {
    CrRig r;
    for (u32 other = 0; other < 16; ++other) r.regs.set(other, 0x60000011);  // valid, but not it
    r.vmcs.set(VmcsNat::guest_rsp, 0x60000011);
    ASSERT_TRUE(r.mov_to(0, 0x80000013, gpr));
    EXPECT_EQ(r.cr0_shadow(), 0x80000013u) << "gpr " << gpr;
  }
}

TEST(CrExit, GivenMovToCr0FromRspWhenHandledThenTheVmcsRspIsTheSource) {
  CrRig r;
  r.vmcs.set(VmcsNat::guest_rsp, 0x80000031);
  ASSERT_TRUE(r.exit(ExitReason::cr_access, cr_qual(0, CrType::mov_to, 4), 3));
  EXPECT_EQ(r.cr0_shadow(), 0x80000031u);
}

TEST(CrExit, GivenMovToCr4WithVmxeWhenHandledThenGp) {
  CrRig r;
  ASSERT_TRUE(r.mov_to(4, kVmxe | 0x20));
  EXPECT_TRUE(is_gp(r.last));
  EXPECT_EQ(r.cr4_shadow(), 0u);
  EXPECT_EQ(r.cr4(), kVmxe);
}

TEST(CrExit, GivenMovToCr4WithABitVmxForbidsWhenHandledThenGp) {
  for (const u32 bit : {11u, 12u, 15u, 19u, 22u}) {
    CrRig r;
    ASSERT_TRUE(r.cr4_owned() & (u64{1} << bit));
    ASSERT_TRUE(r.mov_to(4, 0x20 | u64{1} << bit));
    EXPECT_TRUE(is_gp(r.last)) << "bit " << bit;
    EXPECT_FALSE(r.wrote(VmcsNat::guest_cr4));
  }
}

TEST(CrExit, GivenValidCr4WhenWrittenThenShadowIsTheValueAndRealKeepsVmxe) {
  CrRig r;
  ASSERT_TRUE(r.mov_to(4, 0x6A0, 9));  // PAE PGE OSFXSR OSXMMEXCPT from R9
  EXPECT_TRUE(is_advance(r.last));
  EXPECT_EQ(r.cr4_shadow(), 0x6A0u);
  EXPECT_EQ(r.cr4(), 0x6A0u | kVmxe);
}

struct LmswRow {
  u64 shadow, source, want;
};

TEST(CrExit, GivenLmswWhenHandledThenOnlyCr0Bits3To0ChangeAndPeCannotBeCleared) {
  const LmswRow rows[] = {
      {0x11, 0x0, 0x11},           // PE stays set
      {0x11, 0xE, 0x1F},           // MP EM TS set
      {0x1F, 0x0, 0x11},           // MP EM TS cleared
      {0x10, 0x1, 0x11},           // PE can be set
      {0x80000031, 0xFFF0, 0x80000031},  // bits above 3 of the source ignored
  };
  for (const LmswRow& row : rows) {
    CrRig r;
    r.vmcs.set(VmcsNat::cr0_read_shadow, row.shadow);
    ASSERT_TRUE(r.exit(ExitReason::cr_access, cr_qual(0, CrType::lmsw, 0, row.source), 3));
    EXPECT_TRUE(is_advance(r.last));
    EXPECT_EQ(r.cr0_shadow(), row.want) << std::hex << row.shadow << " " << row.source;
    EXPECT_EQ(r.cr0(), row.want | kNe);
  }
}

TEST(CrExit, GivenLmswMemoryOperandWhenHandledThenTheSourceDataIsUsedToo) {
  CrRig r;
  ASSERT_TRUE(r.exit(ExitReason::cr_access, cr_qual(0, CrType::lmsw, 0, 0x8) | (1u << 6), 4));
  EXPECT_EQ(r.cr0_shadow(), 0x19u);
}

TEST(CrExit, GivenCltsWhenHandledThenTsClearedInShadowAndRealCr0) {
  CrRig r;
  r.vmcs.set(VmcsNat::cr0_read_shadow, 0x80000011 | kTs);
  r.vmcs.set(VmcsNat::guest_cr0, 0x80000031 | kTs);
  ASSERT_TRUE(r.exit(ExitReason::cr_access, cr_qual(0, CrType::clts), 2));
  EXPECT_TRUE(is_advance(r.last));
  EXPECT_EQ(r.cr0_shadow(), 0x80000011u);
  EXPECT_EQ(r.cr0(), 0x80000031u);
}

TEST(CrExit, GivenMovToCr8WhenTheValueFitsBits3To0ThenTheVirtualTprTakesIt) {
  for (const u64 v : {u64{0}, u64{7}, u64{0xF}}) {
    CrRig r;
    ASSERT_TRUE(r.mov_to(8, v, 10));
    EXPECT_TRUE(is_advance(r.last));
    EXPECT_EQ(r.vcpu.tpr, v);
    EXPECT_EQ(r.rip(), ExitRig::kRip + 3);
  }
}

TEST(CrExit, GivenMovToCr8WithReservedBitsWhenHandledThenGpAndTprUnchanged) {
  for (const u64 v : {u64{0x10}, u64{0x1F}, u64{1} << 63}) {
    CrRig r;
    r.vcpu.tpr = 3;
    ASSERT_TRUE(r.mov_to(8, v));
    EXPECT_TRUE(is_gp(r.last)) << std::hex << v;
    EXPECT_EQ(r.vcpu.tpr, 3u);
  }
}

TEST(CrExit, GivenMovToCr8FromRspWhenHandledThenTheVmcsRspIsTheSource) {
  CrRig r;
  r.vmcs.set(VmcsNat::guest_rsp, 9);
  ASSERT_TRUE(r.exit(ExitReason::cr_access, cr_qual(8, CrType::mov_to, 4), 4));
  EXPECT_EQ(r.vcpu.tpr, 9u);
}

TEST(CrExit, GivenMovFromCr8WhenHandledThenTheDestinationRegisterGetsTheTprAndOthersKeep) {
  for (u32 gpr = 0; gpr < 16; ++gpr) {
    if (gpr == 4) continue;
    CrRig r;
    for (u32 other = 0; other < 16; ++other) r.regs.set(other, 0x5555);
    r.vcpu.tpr = 0xC;
    ASSERT_TRUE(r.exit(ExitReason::cr_access, cr_qual(8, CrType::mov_from, gpr), 4));
    EXPECT_TRUE(is_advance(r.last));
    for (u32 other = 0; other < 16; ++other)
      if (other != 4) EXPECT_EQ(r.regs.get(other), other == gpr ? 0xCu : 0x5555u) << gpr << " " << other;
  }
}

// Regression (fixed): vmx/core/exit_cr.cpp MOV from CR8 writes the destination through
// GuestRegs::set, which drops register 4: "mov %cr8, %rsp" leaves RSP (in
// the VMCS) unchanged. Write VmcsNat::guest_rsp for gpr 4, as MOV to CR does
// for its source.
TEST(CrExit, GivenMovFromCr8IntoRspWhenHandledThenTheVmcsRspGetsTheTpr) {
  CrRig r;
  r.vcpu.tpr = 6;
  ASSERT_TRUE(r.exit(ExitReason::cr_access, cr_qual(8, CrType::mov_from, 4), 4));
  EXPECT_EQ(r.vmcs.read(VmcsNat::guest_rsp), 6u);
}

TEST(CrExit, GivenAccessesNucleoDoesNotInterceptWhenTheyExitThenVmStopsWithTheQualification) {
  const u64 quals[] = {cr_qual(0, CrType::mov_from, 1), cr_qual(3, CrType::mov_from, 0), cr_qual(4, CrType::mov_from, 2),
                       cr_qual(3, CrType::mov_to, 2), cr_qual(2, CrType::mov_to, 0)};
  for (const u64 q : quals) {
    CrRig r;
    EXPECT_FALSE(r.exit(ExitReason::cr_access, q, 3));
    EXPECT_TRUE(is_stop(r.last, StopReason::unhandled_exit));
    char want[48];
    std::snprintf(want, sizeof want, "qualification %#llx", static_cast<unsigned long long>(q));
    EXPECT_THAT(r.diagnosis(), testing::HasSubstr("control-register access"));
    EXPECT_THAT(r.diagnosis(), testing::HasSubstr(want));
    EXPECT_EQ(r.rip(), ExitRig::kRip);
  }
}

// Regression (fixed): vmx/core/exit_cr.cpp write_cr0 sets CR0.PG without entering IA-32e
// mode: with EFER.LME = 1 it must also set EFER.LMA and the "IA-32e mode
// guest" entry control (SDM Vol. 3A 10.8.5), else the next VM entry fails
// (27.3.1.1: LMA must equal that control and LME when PG = 1). It exits
// whenever the write changes NE, e.g. Linux's single "mov %eax, %cr0".
TEST(CrExit, GivenEferLmeAndPaeWhenMovToCr0SetsPgThenTheGuestEntersIa32eMode) {
  CrRig r;
  r.vmcs.set(Vmcs64::guest_efer, kEferLme);
  r.vmcs.set(VmcsNat::cr4_read_shadow, 0x20);
  r.vmcs.set(VmcsNat::guest_cr4, 0x20 | kVmxe);
  r.vmcs.set(Vmcs32::entry_controls, 0x11fb | entry_ctl::kLoadEfer);
  ASSERT_TRUE(r.mov_to(0, 0x80000031));
  EXPECT_TRUE(is_advance(r.last));
  EXPECT_EQ(r.vmcs.read(Vmcs64::guest_efer), kEferLme | kEferLma);
  EXPECT_TRUE(r.vmcs.read(Vmcs32::entry_controls) & entry_ctl::kIa32eModeGuest);
}

}  // namespace
}  // namespace nucleo::vmx::exit_test

// SPDX-License-Identifier: MIT
// The per-vCPU CPUID view (vmx/core/cpuid_view.hpp, build_cpuid_view in
// vmx/core/exit_cpuid.cpp): it holds exactly guest_cpuid's answers for the
// subleaf-independent leaves up to the host's maximum, a CPUID exit for
// such a leaf asks the host nothing, and every exit answers the same with
// the view as without it.
#include "vmx/core/cpuid_view.hpp"

#include <gtest/gtest.h>

#include <vector>

#include "guests/include/nucleo/hypercall.h"
#include "host-tests/support/exit_rig.hpp"
#include "vmx/core/exit_cpuid.hpp"
#include "vmx/core/xsave.hpp"

namespace nucleo::vmx::exit_test {
namespace {

constexpr u32 kHeld[] = {0, 1, 2, 3, 5, 6, 0xA, 0x80000000, 0x80000001, 0x80000002, 0x80000003,
                         0x80000004, 0x80000005, 0x80000006, 0x80000007, 0x80000008};
// Subleaf-indexed (SDM Vol. 2A Table 3-8), beyond the host's maximum, or
// not in the allowlist: always computed.
constexpr u32 kComputed[] = {4,    7,    9,    0xB,        0xD,        0xE,        0xF,        0x10,      0x12,
                             0x14, 0x1F, 0x20, 0x40000000, 0x40000001, 0x40000002, 0x80000009, 0xFFFFFFFF};

struct ViewRig : ExitRig {
  ViewRig() {
    vcpu.id = 2;
    vcpu.vcpu_count = 3;
  }
  void build() { build_cpuid_view(vcpu.cpuid, cpu, vcpu, 0); }
};

TEST(CpuidView, GivenAFreshVcpuWhenNotBuiltThenItHoldsNothing) {
  const CpuidView view;
  for (const u32 leaf : kHeld) EXPECT_EQ(view.find(leaf), nullptr) << std::hex << leaf;
}

TEST(CpuidView, GivenTheHostsLeavesWhenBuiltThenEachHeldLeafIsGuestCpuidsAnswer) {
  ViewRig r;
  r.build();
  for (const u32 leaf : kHeld) {
    SCOPED_TRACE(leaf);
    const CpuidValues* held = r.vcpu.cpuid.find(leaf);
    ASSERT_NE(held, nullptr);
    EXPECT_EQ(*held, guest_cpuid(r.cpu, leaf, 0, r.vcpu));
  }
  // Leaf 1 carries this vCPU's APIC ID and count, and hides VMX.
  EXPECT_EQ(r.vcpu.cpuid.find(1)->ebx >> 24, 2u);
  EXPECT_EQ((r.vcpu.cpuid.find(1)->ebx >> 16) & 0xFF, 3u);
  EXPECT_EQ(r.vcpu.cpuid.find(1)->ecx & (1u << 5), 0u);
  for (const u32 leaf : kComputed) EXPECT_EQ(r.vcpu.cpuid.find(leaf), nullptr) << std::hex << leaf;
}

TEST(CpuidView, GivenAHostWithFewLeavesWhenBuiltThenLeavesPastItsMaximumAreNotHeld) {
  ViewRig r;
  r.cpu.set_cpuid(0, {2, 0x756E6547, 0x6C65746E, 0x49656E69});  // leaves 0..2
  r.cpu.set_cpuid(0x80000000, {0x80000004, 0, 0, 0});
  r.build();
  for (const u32 leaf : {0u, 1u, 2u, 0x80000000u, 0x80000004u}) EXPECT_NE(r.vcpu.cpuid.find(leaf), nullptr) << leaf;
  for (const u32 leaf : {3u, 5u, 6u, 0xAu, 0x80000005u, 0x80000008u})
    EXPECT_EQ(r.vcpu.cpuid.find(leaf), nullptr) << std::hex << leaf;
}

TEST(CpuidView, GivenAHostWithoutExtendedLeavesWhenBuiltThenNoneIsHeld) {
  ViewRig r;
  r.cpu.set_cpuid(0x80000000, {0x7FFFFFFF, 0, 0, 0});  // below the range: no extended leaves
  r.build();
  EXPECT_EQ(r.vcpu.cpuid.extended_present, 0u);
  EXPECT_NE(r.vcpu.cpuid.find(0), nullptr);
}

TEST(CpuidView, GivenABuiltViewWhenAHeldLeafExitsThenTheHostIsNotAskedAndRipAdvances) {
  for (const u32 leaf : {0u, 6u, 0x80000001u, 0x80000008u}) {
    ViewRig r;
    r.build();
    r.cpu.cpuid_calls.clear();
    r.regs.rsi = 0x5151;
    const CpuidValues got = r.exit_cpuid(leaf, 0xABC);
    EXPECT_TRUE(r.cpu.cpuid_calls.empty()) << std::hex << leaf;
    EXPECT_EQ(got, *r.vcpu.cpuid.find(leaf));
    EXPECT_EQ(r.regs.rsi, 0x5151u);
    EXPECT_EQ(r.rip(), ExitRig::kRip + 2);
  }
}

TEST(CpuidView, GivenABuiltViewWhenAComputedLeafExitsThenTheHostIsAskedForThatSubleaf) {
  ViewRig r;
  r.build();
  r.cpu.cpuid_calls.clear();
  (void)r.exit_cpuid(4, 3);
  ASSERT_EQ(r.cpu.cpuid_calls.size(), 1u);
  EXPECT_EQ(r.cpu.cpuid_calls[0], std::make_pair(4u, 3u));
}

// Every basic, hypervisor and extended leaf around the view's ranges, with
// subleaves the scripted host answers differently (leaves 4, 7, 0xB, 0xD).
TEST(CpuidView, GivenEveryLeafAndSubleafWhenExitingWithAndWithoutTheViewThenTheAnswersAreEqual) {
  std::vector<u32> leaves;
  for (u32 leaf = 0; leaf <= 0x21; ++leaf) leaves.push_back(leaf);
  for (u32 leaf = 0x40000000; leaf <= 0x40000002; ++leaf) leaves.push_back(leaf);
  for (u32 leaf = 0x80000000; leaf <= 0x8000000A; ++leaf) leaves.push_back(leaf);
  for (const bool osxsave : {false, true}) {
    ViewRig with, without;
    for (ViewRig* r : {&with, &without}) {
      const u64 cr4 = osxsave ? u64{1} << 18 : 0;
      r->vmcs.set(VmcsNat::cr4_read_shadow, cr4);
      r->vmcs.set(VmcsNat::guest_cr4, apply_cr4_fixed(r->caps, cr4));
    }
    with.build();
    // Leaf 0xD always comes from the XSAVE part of the view (xsave_test.cpp):
    // the rig without the rest of the view has that part too.
    without.vcpu.cpuid.xsave = build_xsave_view(without.cpu);
    for (const u32 leaf : leaves) {
      for (const u32 subleaf : {0u, 1u, 2u, 3u, 0xFFFFFFFFu}) {
        SCOPED_TRACE(testing::Message() << std::hex << leaf << "." << subleaf << " osxsave " << osxsave);
        EXPECT_EQ(with.exit_cpuid(leaf, subleaf), without.exit_cpuid(leaf, subleaf));
      }
    }
  }
}

TEST(CpuidView, GivenLeaf1FromTheViewWhenTheGuestTogglesCr4OsxsaveThenEcx27FollowsEachTime) {
  ViewRig r;
  r.build();
  for (const bool osxsave : {true, false, true}) {
    const u64 cr4 = osxsave ? u64{1} << 18 : 0;
    r.vmcs.set(VmcsNat::guest_cr4, apply_cr4_fixed(r.caps, cr4));
    EXPECT_EQ((r.exit_cpuid(1, 0).ecx >> 27) & 1, osxsave ? 1u : 0u);
  }
}

}  // namespace
}  // namespace nucleo::vmx::exit_test

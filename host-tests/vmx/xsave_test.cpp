// SPDX-License-Identifier: MIT
// The XSAVE view (vmx/core/xsave.*): the XCR0 mask offered to a VM, the
// guest's CPUID leaf 0xD derived from it, and, for every XCR0 value over
// the known bits on hosts from Haswell to AMX, that XSETBV through the exit
// path never hands the CPU a value it would fault on (a FakeCpu enforcing
// SDM Vol. 2C XSETBV on its own leaf 0xD) and refuses nothing the guest's
// own CPUID allows.
#include "vmx/core/xsave.hpp"

#include <gtest/gtest.h>

#include "host-tests/support/exit_rig.hpp"
#include "vmx/core/exit_cpuid.hpp"

namespace nucleo::vmx::exit_test {
namespace {

constexpr u64 kCr4Osxsave = u64{1} << 18;

// A host's leaf 0xD: supported XCR0 bits and, for each extended component,
// size and standard offset as real CPUs report them (SDM Vol. 1 13.4.3);
// XTILEDATA is 64-byte aligned in the compacted format.
struct Host {
  const char* name;
  u64 supported;
  u32 subleaf1_eax;
};
constexpr Host kHosts[] = {
    {"Haswell: x87 SSE AVX", 0x7, 0x1},
    {"Skylake client: + MPX", 0x1F, 0xF},
    {"Skylake server: + AVX-512, PKRU", 0x2FF, 0xF},
    {"Sapphire Rapids: + AMX, XFD", 0x602E7, 0x1F},
    {"odd: AVX-512 without AVX", 0xE3, 0x1},
    {"odd: half of MPX and of AMX, bit 19, supervisor bits", 0xA1F0F, 0x1},
};
struct ComponentRow {
  u32 i, size, offset, flags;
};
constexpr ComponentRow kComponents[] = {
    {2, 256, 576, 0},   {3, 64, 960, 0},   {4, 64, 1024, 0},  {5, 64, 1088, 0},   {6, 512, 1152, 0},
    {7, 1024, 1664, 0}, {9, 8, 2688, 0},   {17, 64, 2752, 0}, {18, 8192, 2816, 6}, {19, 128, 11008, 0},
};

struct XsaveRig : ExitRig {
  explicit XsaveRig(const Host& h) {
    cpu.set_cpuid(0xD, 0, {static_cast<u32>(h.supported), 0, 0, static_cast<u32>(h.supported >> 32)});
    cpu.set_cpuid(0xD, 1, {h.subleaf1_eax, 0, 0x1900, 0});  // CET and PT IA32_XSS bits
    for (const ComponentRow& c : kComponents)
      if ((h.supported >> c.i) & 1) cpu.set_cpuid(0xD, c.i, {c.size, c.offset, c.flags, 0});
    cpu.strict_xsetbv = true;
    vmcs.set(VmcsNat::guest_cr4, vmcs.read(VmcsNat::guest_cr4) | kCr4Osxsave);
    build_cpuid_view(vcpu.cpuid, cpu, vcpu, 0);
  }
  CpuidValues guest(u32 subleaf) { return guest_cpuid(cpu, 0xD, subleaf, vcpu); }
  u64 guest_mask() {
    const CpuidValues s0 = guest(0);
    return u64{s0.edx} << 32 | s0.eax;
  }
  bool xsetbv(u64 value) {
    regs.rax = value & 0xFFFFFFFF;
    regs.rdx = value >> 32;
    regs.rcx = 0;
    vmcs.set(VmcsNat::guest_rip, kRip);
    EXPECT_TRUE(exit(ExitReason::xsetbv, 0, 3));
    return last.kind == ExitAction::Kind::advance;
  }
};

// Every combination of the bits XCR0 has defined up to AMX (0-9, 17, 18),
// then each again with bit 19, bit 63 or supervisor bit 11 added.
std::vector<u64> every_value() {
  constexpr u32 kBits[] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 17, 18};
  std::vector<u64> values;
  for (u32 n = 0; n < (1u << 12); ++n) {
    u64 v = 0;
    for (u32 b = 0; b < 12; ++b)
      if ((n >> b) & 1) v |= u64{1} << kBits[b];
    for (const u64 extra : {u64{0}, u64{1} << 19, u64{1} << 63, u64{1} << 11}) values.push_back(v | extra);
  }
  return values;
}

TEST(XsaveView, GivenEachHostWhenEveryXcr0ValueIsSetThenNoneFaultsTheCpuAndEveryValueTheGuestsCpuidAllowsLoads) {
  const std::vector<u64> values = every_value();
  for (const Host& h : kHosts) {
    SCOPED_TRACE(h.name);
    XsaveRig r(h);
    const u64 guest_mask = r.guest_mask();
    EXPECT_EQ(guest_mask & ~h.supported, 0u) << "the guest is offered a bit the host lacks";
    u32 accepted = 0;
    for (const u64 v : values) {
      const bool loaded = r.xsetbv(v);
      // What a CPU whose CPUID is the guest's would do.
      ASSERT_EQ(loaded, test::FakeCpu::sdm_xcr0_legal(v, guest_mask)) << std::hex << v;
      if (loaded) {
        ++accepted;
        EXPECT_EQ(r.vcpu.xcr0, v);
      } else {
        EXPECT_TRUE(is_gp(r.last)) << std::hex << v;
      }
    }
    EXPECT_TRUE(r.cpu.xsetbv_faults.empty()) << std::hex << r.cpu.xsetbv_faults.front().second;
    EXPECT_EQ(r.cpu.xsetbv_calls.size(), accepted);
    EXPECT_GT(accepted, 0u);
  }
}

TEST(XsaveView, GivenHostMasksWhenOfferedThenOnlyKnownBitsInWholeGroupsWithTheirPrerequisites) {
  const struct {
    u64 host, offered;
  } rows[] = {
      {0x0, 0x0},          // no x87 bit: no XSAVE
      {0x6, 0x0},          // nor here
      {0x1, 0x1},          {0x7, 0x7},       {0x5, 0x1},           // AVX without SSE: dropped
      {0xE3, 0x3},         // AVX-512 without AVX
      {0x67, 0x7},         // two of the AVX-512 three
      {0xF, 0x7},          // half of MPX
      {0x1F, 0x7},         // MPX: never offered (no IA32_BNDCFGS)
      {0x2FF, 0x2E7},      {0x20207, 0x207},     // half of AMX
      {0x602E7, 0x602E7},  {0xFFFFFFFFFFFFFFFF, 0x602E7},  // MPX, bit 8, 10-16, 19+ never offered
  };
  for (const auto& row : rows) EXPECT_EQ(offered_xcr0_mask(row.host), row.offered) << std::hex << row.host;
}

TEST(XsaveView, GivenTheOfferedMaskWhenTheGuestReadsLeafDThenItEnumeratesExactlyTheMaskAndItsComponents) {
  for (const Host& h : kHosts) {
    SCOPED_TRACE(h.name);
    XsaveRig r(h);
    const u64 mask = offered_xcr0_mask(h.supported);
    EXPECT_EQ(r.guest_mask(), mask);
    EXPECT_EQ(r.vcpu.cpuid.xsave.xcr0_mask, mask);
    // Subleaf i >= 2: the host's description for an offered component,
    // zeros (an invalid subleaf) for any other; the XFD flag (bit 2) hidden.
    for (u32 i = 2; i < 64; ++i) {
      const CpuidValues c = r.guest(i);
      if ((mask >> i) & 1) {
        const CpuidValues hc = r.cpu.cpuid(0xD, i);
        EXPECT_EQ(c, (CpuidValues{hc.eax, hc.ebx, hc.ecx & 2, 0})) << i;
      } else {
        EXPECT_EQ(c, CpuidValues{}) << i;
      }
    }
    // Subleaf 1: no IA32_XSS bits (no supervisor component is offered),
    // XFD hidden, XSAVES (bit 3) only with the "enable XSAVES/XRSTORS"
    // control, which this rig's VMCS does not have.
    const CpuidValues s1 = r.guest(1);
    EXPECT_EQ(s1.ecx, 0u);
    EXPECT_EQ(s1.edx, 0u);
    EXPECT_EQ(s1.eax, h.subleaf1_eax & 0x7);
    build_cpuid_view(r.vcpu.cpuid, r.cpu, r.vcpu, proc2::kEnableXsaves);
    EXPECT_EQ(r.guest(1).eax, h.subleaf1_eax & 0xF);
  }
}

TEST(XsaveView, GivenXcr0ChangesWhenTheGuestReadsLeafDThenTheAreaSizesFollowItsXcr0) {
  XsaveRig r(kHosts[3]);  // Sapphire Rapids: x87 SSE AVX AVX-512 PKRU AMX
  // x87 only: legacy region and header. All offered: XTILEDATA's end.
  EXPECT_EQ(r.guest(0).ebx, 576u);
  EXPECT_EQ(r.guest(0).ecx, 2816u + 8192u);
  ASSERT_TRUE(r.xsetbv(0x7));
  EXPECT_EQ(r.guest(0).ebx, 832u);  // AVX ends at 576 + 256
  EXPECT_EQ(r.guest(1).ebx, 832u);  // compacted: the same, nothing to align
  ASSERT_TRUE(r.xsetbv(0x602E7));
  EXPECT_EQ(r.guest(0).ebx, 2816u + 8192u);
  // Compacted: 576 + 256 + 64 + 512 + 1024 + 8 + 64 = 2504, aligned to 2560, + 8192.
  EXPECT_EQ(r.guest(1).ebx, 2560u + 8192u);
}

TEST(XsaveView, GivenAHostWithoutXsaveWhenTheGuestReadsLeafDThenAllZeros) {
  XsaveRig r(kHosts[0]);
  r.cpu.set_cpuid(0x1, {0x000306C3, 0x07100800, 0x7FFAFBFF & ~(1u << 26), 0xBFEBFBFF});
  build_cpuid_view(r.vcpu.cpuid, r.cpu, r.vcpu, 0);
  EXPECT_EQ(r.vcpu.cpuid.xsave.xcr0_mask, 0u);
  for (const u32 subleaf : {0u, 1u, 2u}) EXPECT_EQ(r.guest(subleaf), CpuidValues{});
}

TEST(XsaveView, GivenAnOldHostWithoutLeafDWhenBuiltThenNoXsave) {
  XsaveRig r(kHosts[0]);
  r.cpu.set_cpuid(0x0, {0xB, 0x756E6547, 0x6C65746E, 0x49656E69});
  build_cpuid_view(r.vcpu.cpuid, r.cpu, r.vcpu, 0);
  EXPECT_EQ(r.vcpu.cpuid.xsave.xcr0_mask, 0u);
}

TEST(XsaveView, GivenTheViewWhenTheGuestReadsLeafDThenTheHostIsNotAsked) {
  XsaveRig r(kHosts[2]);
  r.cpu.cpuid_calls.clear();
  for (const u32 subleaf : {0u, 1u, 2u, 5u, 40u}) (void)r.guest(subleaf);
  EXPECT_TRUE(r.cpu.cpuid_calls.empty());
}

}  // namespace
}  // namespace nucleo::vmx::exit_test

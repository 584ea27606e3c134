// SPDX-License-Identifier: MIT
// XSETBV, INVD/WBINVD and VMX-instruction exits
// (vmx/core/exit_instructions.cpp): each #UD and #GP rule of XSETBV
// against the vCPU's XCR0 mask, success loading XCR0 through the CPU seam,
// cache flushes, #UD for the VMX instructions. The exhaustive check that no
// guest value reaches a CPU that enforces the SDM is in xsave_test.cpp.
#include <gtest/gtest.h>

#include "host-tests/support/exit_rig.hpp"
#include "vmx/core/xsave.hpp"

namespace nucleo::vmx::exit_test {
namespace {

struct XsetbvRig : ExitRig {
  // The guest has set CR4.OSXSAVE; the vCPU's XSAVE view is built from the
  // Haswell's leaf 0xD (x87, SSE, AVX), as before the vCPU first runs.
  XsetbvRig() {
    vmcs.set(VmcsNat::guest_cr4, vmcs.read(VmcsNat::guest_cr4) | (u64{1} << 18));
    vcpu.cpuid.xsave = build_xsave_view(cpu);
    cpu.strict_xsetbv = true;
  }
  // XSAVE features the CPU supports (CPUID.(EAX=0DH,ECX=0):EDX:EAX); the
  // view is built again from them.
  void supports(u64 xcr0_mask) {
    cpu.set_cpuid(0xD, 0, {static_cast<u32>(xcr0_mask), 0x340, 0x340, static_cast<u32>(xcr0_mask >> 32)});
    vcpu.cpuid.xsave = build_xsave_view(cpu);
  }
  bool xsetbv(u64 value, u64 rcx = 0) {
    regs.rax = 0xFFFFFFFF00000000 | (value & 0xFFFFFFFF);  // only EDX:EAX is the value
    regs.rdx = 0xFFFFFFFF00000000 | (value >> 32);
    regs.rcx = rcx;
    return exit(ExitReason::xsetbv, 0, 3);
  }
};

TEST(XsetbvExit, GivenASupportedValueAtCpl0WhenHandledThenXcr0LoadedRememberedAndRipAdvances) {
  for (const u64 value : {u64{0x1}, u64{0x3}, u64{0x7}}) {
    XsetbvRig r;
    ASSERT_TRUE(r.xsetbv(value));
    EXPECT_TRUE(is_advance(r.last));
    ASSERT_EQ(r.cpu.xsetbv_calls.size(), 1u);
    EXPECT_EQ(r.cpu.xsetbv_calls[0], std::make_pair(0u, value));
    EXPECT_EQ(r.vcpu.xcr0, value);
    EXPECT_EQ(r.rip(), ExitRig::kRip + 3);
  }
}

TEST(XsetbvExit, GivenAvx512CpuWhenAllAvx512StateBitsWithAvxThenAccepted) {
  XsetbvRig r;
  r.supports(0x2E7);  // x87 SSE AVX opmask ZMM_Hi256 Hi16_ZMM PKRU
  ASSERT_TRUE(r.xsetbv(0xE7));
  EXPECT_TRUE(is_advance(r.last));
  EXPECT_EQ(r.vcpu.xcr0, 0xE7u);
}

TEST(XsetbvExit, GivenEcxHighBitsWhenXcrIndexIsZeroThenAccepted) {
  XsetbvRig r;
  ASSERT_TRUE(r.xsetbv(0x3, 0xFFFFFFFF00000000));
  EXPECT_TRUE(is_advance(r.last));
}

struct GpRow {
  const char* rule;
  u64 supported, value, rcx;
  u32 cpl;
};

TEST(XsetbvExit, GivenEachRuleBrokenWhenHandledThenGpAndNothingLoaded) {
  const GpRow rows[] = {
      {"CPL > 0", 0x7, 0x3, 0, 3},
      {"CPL 1", 0x7, 0x3, 0, 1},
      {"ECX != 0", 0x7, 0x3, 1, 0},
      {"XCR index 0x80000000", 0x7, 0x3, 0x80000000, 0},
      {"x87 bit clear", 0x7, 0x6, 0, 0},
      {"zero", 0x7, 0x0, 0, 0},
      {"bit the CPU lacks", 0x7, 0x1F, 0, 0},
      {"high bit the CPU lacks", 0x7, u64{1} << 62 | 1, 0, 0},
      {"AVX without SSE", 0x7, 0x5, 0, 0},
      {"AVX-512 opmask only", 0xE7, 0x27, 0, 0},
      {"AVX-512 two of three", 0xE7, 0x67, 0, 0},
      {"AVX-512 without AVX", 0xE7, 0xE3, 0, 0},
      {"AVX-512 without SSE", 0xE7, 0xE5, 0, 0},
      {"MPX BNDREGS only", 0x1F, 0x0F, 0, 0},
      {"MPX BNDCSR only", 0x1F, 0x17, 0, 0},
      {"AMX XTILECFG only", 0x60007, 0x20007, 0, 0},
      {"AMX XTILEDATA only", 0x60007, 0x40007, 0, 0},
      {"supervisor bit 8 (PT)", 0x107, 0x107, 0, 0},
      {"supervisor bit 11 (CET)", 0x807, 0x807, 0, 0},
      {"bit 19, unknown to nucleo", 0x80007, 0x80007, 0, 0},
      {"bit 63", u64{1} << 63 | 7, u64{1} << 63 | 7, 0, 0},
      {"AMX the host has, one of the pair missing", 0x20007, 0x20007, 0, 0},
  };
  for (const GpRow& row : rows) {
    SCOPED_TRACE(row.rule);
    XsetbvRig r;
    r.supports(row.supported);
    r.cpl(row.cpl);
    ASSERT_TRUE(r.xsetbv(row.value, row.rcx));
    EXPECT_TRUE(is_gp(r.last));
    EXPECT_TRUE(r.cpu.xsetbv_calls.empty());
    EXPECT_TRUE(r.cpu.xsetbv_faults.empty());
    EXPECT_EQ(r.vcpu.xcr0, 1u);
    EXPECT_EQ(r.rip(), ExitRig::kRip);
  }
}

TEST(XsetbvExit, GivenTheAmxPairTheHostHasWhenSetWholeThenAccepted) {
  XsetbvRig r;
  r.supports(0x6021F);  // x87 SSE AVX BNDREGS BNDCSR PKRU XTILECFG XTILEDATA
  ASSERT_TRUE(r.xsetbv(0x60207));
  EXPECT_TRUE(is_advance(r.last));
  EXPECT_EQ(r.vcpu.xcr0, 0x60207u);
  EXPECT_TRUE(r.cpu.xsetbv_faults.empty());
}

// MPX is hidden (no IA32_BNDCFGS), so its state components are not the
// VM's to enable even on a host that has them.
TEST(XsetbvExit, GivenMpxTheHostHasWhenTheGuestSetsItThenGp) {
  XsetbvRig r;
  r.supports(0x6021F);
  ASSERT_TRUE(r.xsetbv(0x1F));
  EXPECT_TRUE(is_gp(r.last));
  EXPECT_TRUE(r.cpu.xsetbv_calls.empty());
}

TEST(XsetbvExit, GivenCr4OsxsaveClearWhenXsetbvExitsThenUdAndNothingLoaded) {
  XsetbvRig r;
  r.vmcs.set(VmcsNat::guest_cr4, r.vmcs.read(VmcsNat::guest_cr4) & ~(u64{1} << 18));
  ASSERT_TRUE(r.xsetbv(0x3));
  EXPECT_TRUE(is_ud(r.last));
  EXPECT_TRUE(r.cpu.xsetbv_calls.empty());
}

TEST(XsetbvExit, GivenAHostWithoutXsaveWhenXsetbvExitsThenUd) {
  XsetbvRig r;
  r.cpu.set_cpuid(0x1, {0x000306C3, 0x07100800, 0x7FFAFBFF & ~(1u << 26), 0xBFEBFBFF});
  r.vcpu.cpuid.xsave = build_xsave_view(r.cpu);
  ASSERT_TRUE(r.xsetbv(0x1));
  EXPECT_TRUE(is_ud(r.last));
  EXPECT_TRUE(r.cpu.xsetbv_calls.empty());
}

TEST(XsetbvExit, GivenTheViewIsBuiltWhenXsetbvExitsThenTheHostsCpuidIsNotAsked) {
  XsetbvRig r;
  r.cpu.cpuid_calls.clear();
  ASSERT_TRUE(r.xsetbv(0x7));
  EXPECT_TRUE(is_advance(r.last));
  EXPECT_TRUE(r.cpu.cpuid_calls.empty());
}

TEST(CacheFlushExit, GivenInvdOrWbinvdWhenHandledThenTheInstructionRetiresAndNothingElseHappens) {
  // The CPU seam has no cache flush any more: nothing a handler can call
  // would flush the caches the other VMs share.
  for (const ExitReason reason : {ExitReason::invd, ExitReason::wbinvd}) {
    ExitRig r;
    ASSERT_TRUE(r.exit(reason, 0, 2));
    EXPECT_TRUE(is_advance(r.last));
    EXPECT_EQ(r.rip(), ExitRig::kRip + 2);
    EXPECT_TRUE(r.cpu.cpuid_calls.empty());
    EXPECT_TRUE(r.cpu.rdmsr_calls.empty());
    EXPECT_TRUE(r.cpu.xsetbv_calls.empty());
    EXPECT_FALSE(r.wrote(Vmcs32::entry_interruption_info));
  }
}

TEST(VmxInstructionExit, GivenEachVmxInstructionWhenItExitsThenUdIsInjectedAndRipStays) {
  const ExitReason reasons[] = {ExitReason::vmclear, ExitReason::vmlaunch, ExitReason::vmptrld, ExitReason::vmptrst,
                                ExitReason::vmread,  ExitReason::vmresume, ExitReason::vmwrite, ExitReason::vmxoff,
                                ExitReason::vmxon,   ExitReason::invept,   ExitReason::invvpid, ExitReason::vmfunc,
                                ExitReason::getsec};
  for (const ExitReason reason : reasons) {
    ExitRig r;
    ASSERT_TRUE(r.exit(reason, 0, 3));
    EXPECT_TRUE(is_ud(r.last)) << exit_reason_name(static_cast<u32>(reason));
    EXPECT_EQ(r.vmcs.read(Vmcs32::entry_interruption_info), InterruptionInfo::hardware_exception(vec::kUd, false).raw);
    EXPECT_FALSE(r.wrote(Vmcs32::entry_exception_error_code));
    EXPECT_FALSE(r.wrote(Vmcs32::entry_instruction_length));
    EXPECT_EQ(r.rip(), ExitRig::kRip);
  }
}

}  // namespace
}  // namespace nucleo::vmx::exit_test

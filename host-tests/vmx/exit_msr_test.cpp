// SPDX-License-Identifier: MIT
// RDMSR/WRMSR exits (vmx/core/exit_msr.cpp): every emulated MSR, #GP(0) for
// unknown and VMX capability MSRs, EFER reserved bits and LMA, PAT memory
// types, IA32_APIC_BASE validation.
#include <gtest/gtest.h>

#include "host-tests/support/msr_rig.hpp"

namespace nucleo::vmx::exit_test {
namespace {

constexpr u32 kTsc = 0x10, kPlatformId = 0x17, kApicBase = 0x1B, kFeatureControl = 0x3A, kBiosSignId = 0x8B;
constexpr u32 kMiscEnable = 0x1A0, kPat = 0x277, kEfer = 0xC0000080;
constexpr u64 kResetPat = 0x0007040600070406;

TEST(MsrExit, GivenTscWhenReadThenHostTscPlusTheVmcsOffsetSplitIntoEdxEax) {
  MsrRig r;
  r.cpu.tsc = 0x0000000500000000;
  r.vmcs.set(Vmcs64::tsc_offset, static_cast<u64>(-0x100));  // offsets are signed
  ASSERT_TRUE(r.rdmsr(kTsc));
  EXPECT_TRUE(is_advance(r.last));
  EXPECT_EQ(r.regs.rax, 0xFFFFFF00u);
  EXPECT_EQ(r.regs.rdx, 0x4u);
  EXPECT_EQ(r.cpu.rdtsc_calls, 1);
  EXPECT_EQ(r.rip(), ExitRig::kRip + 2);
}

struct ReadRow {
  u32 msr;
  u64 value;
};

TEST(MsrExit, GivenEachEmulatedMsrWhenReadThenItsValueInEdxEaxWithUpperHalvesClear) {
  MsrRig probe;
  const ReadRow rows[] = {
      {kPlatformId, 0},     {kBiosSignId, 0}, {kApicBase, 0xFEE00900}, {kFeatureControl, 1},  // locked, no VMX
      {kMiscEnable, 0x1801},  // fast strings; BTS and PEBS unavailable
      {kPat, 0x0106040500070406},  {kEfer, 0xD01},
  };
  for (const ReadRow& row : rows) {
    MsrRig r;
    r.vmcs.set(Vmcs64::guest_pat, 0x0106040500070406);
    r.vmcs.set(Vmcs64::guest_efer, 0xD01);
    ASSERT_TRUE(r.rdmsr(row.msr)) << std::hex << row.msr;
    EXPECT_TRUE(is_advance(r.last));
    EXPECT_EQ(r.edx_eax(), row.value) << std::hex << row.msr;
    EXPECT_EQ(r.regs.rax >> 32, 0u);
    EXPECT_EQ(r.regs.rdx >> 32, 0u);
  }
}

TEST(MsrExit, GivenApicBaseWithBspBitStoredWhenVcpu0ReadsThenBspIsSetAndAfterAMoveTheNewBase) {
  MsrRig r;
  r.vcpu.apic_base = 0xFED00800;  // enabled, BSP bit not kept in the state
  ASSERT_TRUE(r.rdmsr(kApicBase));
  EXPECT_EQ(r.edx_eax(), 0xFED00900u);
}

TEST(MsrExit, GivenApApicBaseWithoutBspWhenReadThenBspIsClear) {
  MsrRig r;
  r.vcpu.id = 1;
  r.vcpu.apic_base = 0xFEE00800;
  ASSERT_TRUE(r.rdmsr(kApicBase));
  EXPECT_EQ(r.edx_eax(), 0xFEE00800u);
}

// Regression (fixed): kernel/virt vmx/core/exit_context.hpp VcpuState::apic_base defaults to
// 0xFEE00900, BSP bit (8) included, and handle_rdmsr only ORs BSP in for
// vCPU 0: every application processor reads BSP = 1 until it writes the MSR.
TEST(MsrExit, GivenDefaultStateOfAnApplicationProcessorWhenApicBaseReadThenBspIsClear) {
  MsrRig r;
  r.vcpu.id = 1;
  ASSERT_TRUE(r.rdmsr(kApicBase));
  EXPECT_EQ(r.edx_eax(), 0xFEE00800u);
}

TEST(MsrExit, GivenUnknownOrVmxMsrWhenReadThenGpAndRegistersAndRipUnchanged) {
  std::vector<u32> msrs = {0x0, 0x1, 0xE7, 0x198, 0x1D9, 0x38F, 0xC0000081, 0xC0000103, 0x40000000};
  for (u32 m = 0x480; m <= 0x491; ++m) msrs.push_back(m);
  for (const u32 msr : msrs) {
    MsrRig r;
    ASSERT_TRUE(r.rdmsr(msr));
    EXPECT_TRUE(is_gp(r.last)) << std::hex << msr;
    EXPECT_EQ(r.regs.rax, 0xAAAAAAAAAAAAAAAAu);
    EXPECT_EQ(r.regs.rdx, 0xDDDDDDDDDDDDDDDDu);
    EXPECT_EQ(r.rip(), ExitRig::kRip);
    EXPECT_EQ(r.vmcs.read(Vmcs32::entry_interruption_info), 0x80000B0Du);
    EXPECT_EQ(r.vmcs.read(Vmcs32::entry_exception_error_code), 0u);
  }
}

TEST(MsrExit, GivenUnknownReadOnlyAndVmxMsrsWhenWrittenThenGp) {
  std::vector<u32> msrs = {0x0, kPlatformId, kFeatureControl, 0x199, 0xC0000081, 0xC0000102};
  for (u32 m = 0x480; m <= 0x491; ++m) msrs.push_back(m);
  for (const u32 msr : msrs) {
    MsrRig r;
    ASSERT_TRUE(r.wrmsr(msr, 5));
    EXPECT_TRUE(is_gp(r.last)) << std::hex << msr;
    EXPECT_EQ(r.rip(), ExitRig::kRip);
  }
}

TEST(MsrExit, GivenBiosSignIdWhenWrittenThenAcceptedWithoutEffect) {
  MsrRig r;
  ASSERT_TRUE(r.wrmsr(kBiosSignId, 0x123456789));
  EXPECT_TRUE(is_advance(r.last));
  EXPECT_EQ(r.vmcs.writes().size(), 1u);  // only apply's RIP
  EXPECT_EQ(r.rip(), ExitRig::kRip + 2);
  ASSERT_TRUE(r.rdmsr(kBiosSignId));
  EXPECT_EQ(r.edx_eax(), 0u);
}

// IA32_MISC_ENABLE keeps the bits a real CPU lets software change (SDM
// Vol. 4 Table 2-2): fast strings is read back as written.
TEST(MsrExit, GivenMiscEnableWhenFastStringsClearedThenReadBackClearAndSetAgain) {
  MsrRig r;
  ASSERT_TRUE(r.wrmsr(kMiscEnable, 0x1800));
  EXPECT_TRUE(is_advance(r.last));
  ASSERT_TRUE(r.rdmsr(kMiscEnable));
  EXPECT_EQ(r.edx_eax(), 0x1800u);
  ASSERT_TRUE(r.wrmsr(kMiscEnable, 0x1801));
  ASSERT_TRUE(r.rdmsr(kMiscEnable));
  EXPECT_EQ(r.edx_eax(), 0x1801u);
  ASSERT_TRUE(r.wrmsr(kMiscEnable, 0x123456789));  // reserved bits
  EXPECT_TRUE(is_gp(r.last));
}

TEST(MsrExit, GivenValidApicBaseWhenWrittenThenStoredWithoutBspAndReadBack) {
  const u64 values[] = {0xFEE00800, 0xFEE00900, 0xFED00800, 0xFEE00000, 0xF'FFFF'F800};
  for (const u64 v : values) {
    MsrRig r;
    ASSERT_TRUE(r.wrmsr(kApicBase, v));
    EXPECT_TRUE(is_advance(r.last)) << std::hex << v;
    EXPECT_EQ(r.vcpu.apic_base, v & ~u64{0x100});
    ASSERT_TRUE(r.rdmsr(kApicBase));
    EXPECT_EQ(r.edx_eax(), v | 0x100);  // vCPU 0 is the BSP
  }
}

TEST(MsrExit, GivenReservedApicBaseBitsWhenWrittenThenGpAndStateUnchanged) {
  const u64 values[] = {0xFEE00801, 0xFEE00880, 0xFEE00A00, u64{1} << 36 | 0xFEE00800, u64{1} << 63 | 0x800};
  for (const u64 v : values) {
    MsrRig r;
    ASSERT_TRUE(r.wrmsr(kApicBase, v));
    EXPECT_TRUE(is_gp(r.last)) << std::hex << v;
    EXPECT_EQ(r.vcpu.apic_base, 0xFEE00800u);  // the reset value, BSP bit added on read
  }
}

// Regression (fixed): vmx/core/exit_msr.cpp valid_apic_base accepts bit 10 (x2APIC enable,
// EXTD) although leaf 1 hides x2APIC: with CPUID.01H:ECX[21] = 0 the bit is
// reserved (SDM Vol. 3A 11.12.1) and EXTD without EN is invalid anyway.
TEST(MsrExit, GivenX2apicEnableWhileCpuidHidesX2apicWhenApicBaseWrittenThenGp) {
  for (const u64 v : {u64{0xFEE00C00}, u64{0xFEE00400}}) {
    MsrRig r;
    ASSERT_TRUE(r.wrmsr(kApicBase, v));
    EXPECT_TRUE(is_gp(r.last)) << std::hex << v;
  }
}

TEST(MsrExit, GivenPatWithEveryValidTypeWhenWrittenThenGuestPatField) {
  for (const u64 v : {kResetPat, u64{0x0706050401000000}, u64{0}, u64{0x0101010101010101}}) {
    MsrRig r;
    ASSERT_TRUE(r.wrmsr(kPat, v));
    EXPECT_TRUE(is_advance(r.last));
    EXPECT_EQ(r.vmcs.read(Vmcs64::guest_pat), v);
  }
}

TEST(MsrExit, GivenPatWithAReservedTypeInAnyEntryWhenWrittenThenGpAndPatUnchanged) {
  for (int entry = 0; entry < 8; ++entry) {
    for (const u64 type : {2u, 3u, 8u, 0xFFu}) {
      MsrRig r;
      const u64 v = (kResetPat & ~(u64{0xFF} << (8 * entry))) | type << (8 * entry);
      ASSERT_TRUE(r.wrmsr(kPat, v));
      EXPECT_TRUE(is_gp(r.last)) << "entry " << entry << " type " << type;
      EXPECT_EQ(r.vmcs.read(Vmcs64::guest_pat), kResetPat);
      EXPECT_FALSE(r.wrote(Vmcs64::guest_pat));
    }
  }
}

struct EferRow {
  u64 before, written, after;
};

TEST(MsrExit, GivenEferWritesWhenValidThenWritableBitsTakenAndLmaKept) {
  const EferRow rows[] = {
      {0x000, 0x001, 0x001},  // SCE
      {0x000, 0x901, 0x901},  // SCE LME NXE
      {0x500, 0x101, 0x501},  // LMA is the CPU's: kept when the guest drops it
      {0x000, 0x500, 0x100},  // ... and not taken when the guest sets it
      {0xD01, 0x000, 0x400},
  };
  for (const EferRow& row : rows) {
    MsrRig r;
    r.vmcs.set(Vmcs64::guest_efer, row.before);
    ASSERT_TRUE(r.wrmsr(kEfer, row.written));
    EXPECT_TRUE(is_advance(r.last));
    EXPECT_EQ(r.vmcs.read(Vmcs64::guest_efer), row.after) << std::hex << row.before << " " << row.written;
  }
}

TEST(MsrExit, GivenEferReservedBitsWhenWrittenThenGpAndEferUnchanged) {
  for (const u64 v : {u64{1} << 1, u64{1} << 9, u64{1} << 12, u64{1} << 14, u64{1} << 32 | 1, u64{1} << 63}) {
    MsrRig r;
    r.vmcs.set(Vmcs64::guest_efer, 0x500);
    ASSERT_TRUE(r.wrmsr(kEfer, v));
    EXPECT_TRUE(is_gp(r.last)) << std::hex << v;
    EXPECT_EQ(r.vmcs.read(Vmcs64::guest_efer), 0x500u);
  }
}

// Regression (fixed): vmx/core/exit_msr.cpp raises #GP for WRMSR to IA32_TIME_STAMP_COUNTER
// (0x10) although RDMSR of it is emulated; the MSR is writable on every CPU
// with a TSC (SDM Vol. 3B 18.17). Emulate it through the TSC offset:
// tsc_offset = value - cpu.rdtsc().
TEST(MsrExit, GivenTscWhenWrittenThenTheOffsetMakesTheGuestReadTheWrittenValue) {
  MsrRig r;
  r.cpu.tsc = 1000000;
  ASSERT_TRUE(r.wrmsr(kTsc, 5000));
  EXPECT_TRUE(is_advance(r.last));
  ASSERT_TRUE(r.rdmsr(kTsc));
  EXPECT_EQ(r.edx_eax(), 5000u);
}

}  // namespace
}  // namespace nucleo::vmx::exit_test

// SPDX-License-Identifier: MIT
// The whole CPUID view of the virtual CPU (docs/virtual-cpu.md), walked
// over processors recorded with dump=cpuid (host-tests/data/cpuid/, with
// the VMX capabilities of the same Bochs model, host-tests/data/vmx/), the
// scripted Haswell, and a host with every bit of every leaf set: each
// feature bit the VM sees is one of the list below (written from the SDM
// and the docs, not from vmx/core/cpuid_allow.cpp), its requirements hold,
// and the MSRs behind it read and write as the SDM says.
#include <gtest/gtest.h>

#include <functional>
#include <string>

#include "host-tests/support/cpuid_file.hpp"
#include "host-tests/support/msr_rig.hpp"
#include "vmx/core/exit_cpuid.hpp"

namespace nucleo::vmx::exit_test {
namespace {

constexpr u32 bit(u32 n) { return 1u << n; }

// What a feature needs beyond the host's bit.
enum Needs : u32 {
  kNone = 0,
  kLapic = 1u << 0,     // the VM has a local APIC
  kYmm = 1u << 1,       // XCR0 mask holds SSE and AVX
  kZmm = 1u << 2,       // ... and the AVX-512 triple
  kPkruState = 1u << 3,
  kAmxState = 1u << 4,
  kRdtscpCtl = 1u << 5,  // the VMCS has "enable RDTSCP"
  kInvpcidCtl = 1u << 6,
  kXsaveState = 1u << 7,  // any XCR0 mask
};

struct Feature {
  u32 leaf, subleaf;
  int reg;  // 0 EAX, 1 EBX, 2 ECX, 3 EDX
  u32 bit;
  const char* name;
  u32 needs;
};

// Every feature bit the virtual CPU may show (SDM Vol. 2A CPUID tables).
constexpr Feature kFeatures[] = {
    {1, 0, 2, 0, "SSE3", kNone},          {1, 0, 2, 1, "PCLMULQDQ", kNone},    {1, 0, 2, 9, "SSSE3", kNone},
    {1, 0, 2, 12, "FMA", kYmm},           {1, 0, 2, 13, "CMPXCHG16B", kNone},  {1, 0, 2, 17, "PCID", kNone},
    {1, 0, 2, 19, "SSE4.1", kNone},       {1, 0, 2, 20, "SSE4.2", kNone},      {1, 0, 2, 21, "x2APIC", kLapic},
    {1, 0, 2, 22, "MOVBE", kNone},        {1, 0, 2, 23, "POPCNT", kNone},      {1, 0, 2, 24, "TSC-deadline", kLapic},
    {1, 0, 2, 25, "AESNI", kNone},        {1, 0, 2, 26, "XSAVE", kXsaveState}, {1, 0, 2, 28, "AVX", kYmm},
    {1, 0, 2, 29, "F16C", kYmm},          {1, 0, 2, 30, "RDRAND", kNone},      {1, 0, 2, 31, "hypervisor", kNone},
    {1, 0, 3, 0, "FPU", kNone},           {1, 0, 3, 1, "VME", kNone},          {1, 0, 3, 2, "DE", kNone},
    {1, 0, 3, 3, "PSE", kNone},           {1, 0, 3, 4, "TSC", kNone},          {1, 0, 3, 5, "MSR", kNone},
    {1, 0, 3, 6, "PAE", kNone},           {1, 0, 3, 7, "MCE", kNone},          {1, 0, 3, 8, "CX8", kNone},
    {1, 0, 3, 9, "APIC", kLapic},         {1, 0, 3, 11, "SEP", kNone},         {1, 0, 3, 12, "MTRR", kNone},
    {1, 0, 3, 13, "PGE", kNone},          {1, 0, 3, 14, "MCA", kNone},         {1, 0, 3, 15, "CMOV", kNone},
    {1, 0, 3, 16, "PAT", kNone},          {1, 0, 3, 17, "PSE-36", kNone},      {1, 0, 3, 19, "CLFSH", kNone},
    {1, 0, 3, 23, "MMX", kNone},          {1, 0, 3, 24, "FXSR", kNone},        {1, 0, 3, 25, "SSE", kNone},
    {1, 0, 3, 26, "SSE2", kNone},         {1, 0, 3, 27, "SS", kNone},          {1, 0, 3, 28, "HTT", kNone},
    {7, 0, 1, 0, "FSGSBASE", kNone},      {7, 0, 1, 1, "TSC_ADJUST", kNone},   {7, 0, 1, 3, "BMI1", kNone},
    {7, 0, 1, 4, "HLE", kNone},           {7, 0, 1, 5, "AVX2", kYmm},          {7, 0, 1, 6, "FDP_EXCPTN_ONLY", kNone},
    {7, 0, 1, 7, "SMEP", kNone},          {7, 0, 1, 8, "BMI2", kNone},         {7, 0, 1, 9, "ERMS", kNone},
    {7, 0, 1, 10, "INVPCID", kInvpcidCtl}, {7, 0, 1, 11, "RTM", kNone},        {7, 0, 1, 13, "FPU CS/DS deprecated", kNone},
    {7, 0, 1, 16, "AVX512F", kZmm},       {7, 0, 1, 17, "AVX512DQ", kZmm},     {7, 0, 1, 18, "RDSEED", kNone},
    {7, 0, 1, 19, "ADX", kNone},          {7, 0, 1, 20, "SMAP", kNone},        {7, 0, 1, 21, "AVX512_IFMA", kZmm},
    {7, 0, 1, 23, "CLFLUSHOPT", kNone},   {7, 0, 1, 24, "CLWB", kNone},        {7, 0, 1, 26, "AVX512PF", kZmm},
    {7, 0, 1, 27, "AVX512ER", kZmm},      {7, 0, 1, 28, "AVX512CD", kZmm},     {7, 0, 1, 29, "SHA", kNone},
    {7, 0, 1, 30, "AVX512BW", kZmm},      {7, 0, 1, 31, "AVX512VL", kZmm},     {7, 0, 2, 0, "PREFETCHWT1", kNone},
    {7, 0, 2, 1, "AVX512_VBMI", kZmm},    {7, 0, 2, 3, "PKU", kPkruState},     {7, 0, 2, 6, "AVX512_VBMI2", kZmm},
    {7, 0, 2, 8, "GFNI", kNone},          {7, 0, 2, 9, "VAES", kYmm},          {7, 0, 2, 10, "VPCLMULQDQ", kYmm},
    {7, 0, 2, 11, "AVX512_VNNI", kZmm},   {7, 0, 2, 12, "AVX512_BITALG", kZmm}, {7, 0, 2, 14, "AVX512_VPOPCNTDQ", kZmm},
    {7, 0, 2, 22, "RDPID", kRdtscpCtl},   {7, 0, 2, 25, "CLDEMOTE", kNone},    {7, 0, 2, 27, "MOVDIRI", kNone},
    {7, 0, 2, 28, "MOVDIR64B", kNone},    {7, 0, 3, 2, "AVX512_4VNNIW", kZmm}, {7, 0, 3, 3, "AVX512_4FMAPS", kZmm},
    {7, 0, 3, 4, "FSRM", kNone},          {7, 0, 3, 8, "AVX512_VP2INTERSECT", kZmm}, {7, 0, 3, 10, "MD_CLEAR", kNone},
    {7, 0, 3, 14, "SERIALIZE", kNone},    {7, 0, 3, 22, "AMX-BF16", kAmxState}, {7, 0, 3, 23, "AVX512_FP16", kZmm},
    {7, 0, 3, 24, "AMX-TILE", kAmxState}, {7, 0, 3, 25, "AMX-INT8", kAmxState},
    {7, 1, 0, 4, "AVX-VNNI", kYmm},       {7, 1, 0, 5, "AVX512_BF16", kZmm},   {7, 1, 0, 10, "fast zero-length MOVSB", kNone},
    {7, 1, 0, 11, "fast short STOSB", kNone}, {7, 1, 0, 12, "fast short CMPSB", kNone},
    {0x80000001, 0, 2, 0, "LAHF-SAHF", kNone}, {0x80000001, 0, 2, 5, "LZCNT", kNone},
    {0x80000001, 0, 2, 8, "PREFETCHW", kNone}, {0x80000001, 0, 3, 11, "SYSCALL", kNone},
    {0x80000001, 0, 3, 20, "NX", kNone},  {0x80000001, 0, 3, 26, "1-GByte pages", kNone},
    {0x80000001, 0, 3, 27, "RDTSCP", kRdtscpCtl}, {0x80000001, 0, 3, 29, "Intel 64", kNone},
    {0x80000007, 0, 3, 8, "invariant TSC", kNone}, {0x80000008, 0, 1, 9, "WBNOINVD", kNone},
};

// The registers whose every bit is a feature flag (the others carry
// fields: counts, sizes, strings).
struct FlagRegister {
  u32 leaf, subleaf;
  int reg;
};
constexpr FlagRegister kFlagRegisters[] = {{1, 0, 2},          {1, 0, 3},          {7, 0, 1},
                                           {7, 0, 2},          {7, 0, 3},          {7, 1, 0},
                                           {7, 1, 1},          {7, 1, 2},          {7, 1, 3},
                                           {0x80000001, 0, 2}, {0x80000001, 0, 3}, {0x80000007, 0, 3},
                                           {0x80000008, 0, 1}};

u32 reg_of(const CpuidValues& v, int reg) { return reg == 0 ? v.eax : reg == 1 ? v.ebx : reg == 2 ? v.ecx : v.edx; }

// The secondary controls vmx/hw/vcpu.cpp asks for that decide CPUID bits:
// set whenever the recorded processor allows them.
u32 secondary_controls(const VmxCapabilities& caps) {
  u32 c = 0;
  for (const u32 ctl : {proc2::kEnableRdtscp, proc2::kEnableInvpcid, proc2::kEnableXsaves})
    if (caps.has2(ctl)) c |= ctl;
  return c;
}

struct VcpuRig : MsrRig {
  u32 secondary = 0;
  VcpuRig(const FakeCpu& host, const VmxCapabilities& vmx, bool lapic) {
    cpu = host;
    caps = vmx;
    protected32();
    vcpu.id = 1;
    vcpu.vcpu_count = 4;
    vcpu.has_lapic = lapic;
    secondary = secondary_controls(caps);
    build_cpuid_view(vcpu.cpuid, cpu, vcpu, secondary);
  }
  CpuidValues guest(u32 leaf, u32 subleaf) { return exit_cpuid(leaf, subleaf); }
  bool has(const char* name) {
    for (const Feature& f : kFeatures)
      if (std::string(f.name) == name) return reg_of(guest(f.leaf, f.subleaf), f.reg) & bit(f.bit);
    ADD_FAILURE() << "no feature named " << name;
    return false;
  }
  u64 xcr0_mask() { return u64{guest(0xD, 0).edx} << 32 | guest(0xD, 0).eax; }
  u32 needs_met() {
    const u64 m = xcr0_mask();
    u32 n = vcpu.has_lapic ? kLapic : 0;
    if (m != 0) n |= kXsaveState;
    if ((m & 0x6) == 0x6) n |= kYmm;
    if ((m & 0xE6) == 0xE6) n |= kZmm;
    if (m & 0x200) n |= kPkruState;
    if ((m & 0x60000) == 0x60000) n |= kAmxState;
    if (secondary & proc2::kEnableRdtscp) n |= kRdtscpCtl;
    if (secondary & proc2::kEnableInvpcid) n |= kInvpcidCtl;
    return n;
  }
  bool gp_on_read(u32 msr) { return rdmsr(msr) && is_gp(last); }
  bool gp_on_write(u32 msr, u64 value) { return wrmsr(msr, value) && is_gp(last); }
  u64 read(u32 msr) {
    EXPECT_TRUE(rdmsr(msr));
    EXPECT_TRUE(is_advance(last)) << std::hex << msr;
    return edx_eax();
  }
  void write(u32 msr, u64 value) {
    EXPECT_TRUE(wrmsr(msr, value));
    EXPECT_TRUE(is_advance(last)) << std::hex << msr << " <- " << value;
  }
};

// The bits of the flag registers the VM sees: each in kFeatures, with its
// requirements met.
void expect_only_listed_features(VcpuRig& r) {
  const u32 met = r.needs_met();
  for (const FlagRegister& fr : kFlagRegisters) {
    const u32 seen = reg_of(r.guest(fr.leaf, fr.subleaf), fr.reg);
    for (u32 b = 0; b < 32; ++b) {
      if (!(seen & bit(b))) continue;
      const Feature* f = nullptr;
      for (const Feature& c : kFeatures)
        if (c.leaf == fr.leaf && c.subleaf == fr.subleaf && c.reg == fr.reg && c.bit == b) f = &c;
      if (!f) {
        ADD_FAILURE() << "leaf " << std::hex << fr.leaf << "." << fr.subleaf << " reg " << fr.reg << " bit "
                      << std::dec << b << " is not a feature of the virtual CPU";
        continue;
      }
      EXPECT_EQ(f->needs & met, f->needs) << f->name << " shown without what it needs";
    }
  }
}

// Leaves and limits: nothing above what nucleo defines, no PMU, no
// MONITOR, thermal/power only ARAT, XSAVE bit iff an XCR0 mask.
void expect_leaf_shape(VcpuRig& r) {
  const u32 max_basic = r.guest(0, 0).eax;
  EXPECT_LE(max_basic, 0x1Fu);
  const u32 max_ext = r.guest(0x80000000, 0).eax;
  EXPECT_TRUE(max_ext == 0 || (max_ext >= 0x80000000 && max_ext <= 0x80000008)) << std::hex << max_ext;
  for (const u32 leaf : {3u, 5u, 8u, 9u, 0xAu, 0xCu, 0xEu, 0xFu, 0x10u, 0x11u, 0x12u, 0x13u, 0x14u, 0x17u, 0x18u,
                         0x19u, 0x1Au, 0x1Bu, 0x1Cu}) {
    if (leaf > max_basic) continue;
    for (u32 sub = 0; sub < 3; ++sub) EXPECT_EQ(r.guest(leaf, sub), CpuidValues{}) << std::hex << leaf << "." << sub;
  }
  if (max_basic >= 6) EXPECT_EQ(r.guest(6, 0), (CpuidValues{r.vcpu.has_lapic ? bit(2) : 0, 0, 0, 0}));
  if (max_basic >= 7) {
    EXPECT_LE(r.guest(7, 0).eax, 1u);
    EXPECT_EQ(r.guest(7, 2), CpuidValues{});
  }
  EXPECT_EQ((r.guest(1, 0).ecx >> 26) & 1, r.xcr0_mask() != 0 ? 1u : 0u);
  // XSAVES (leaf 0xD.1 EAX[3]) only with its control, and then IA32_XSS.
  const bool xsaves = r.guest(0xD, 1).eax & bit(3);
  if (xsaves) EXPECT_TRUE(r.secondary & proc2::kEnableXsaves);
  // Leaf 0xD enumerates no MPX state (bits 3, 4): MPX is hidden.
  EXPECT_EQ(r.xcr0_mask() & 0x18, 0u);
  const u32 ext = 0x80000009;  // past the maximum: the highest basic leaf's answer
  EXPECT_EQ(r.guest(ext, 0), r.guest(max_basic, 0));
}

constexpr u32 kMtrrCap = 0xFE, kMtrrDefType = 0x2FF, kPhysBase0 = 0x200, kPhysMask0 = 0x201, kFix64k = 0x250;
constexpr u32 kFix4kF8000 = 0x26F, kMcgCap = 0x179, kMcgStatus = 0x17A, kMcgCtl = 0x17B, kMc0Ctl = 0x400;
constexpr u32 kTsc = 0x10, kTscAdjust = 0x3B, kMiscEnable = 0x1A0, kPat = 0x277, kXss = 0xDA0, kEfer = 0xC0000080;

// The MSRs of each advertised feature, as the SDM describes them.
void expect_feature_msrs(VcpuRig& r) {
  const u32 phys = r.guest(0x80000008, 0).eax & 0xFF;
  if (r.has("MTRR")) {  // SDM Vol. 3A 12.11
    EXPECT_EQ(r.read(kMtrrCap), 0x508u);  // 8 variable, fixed, WC, no SMRR
    EXPECT_TRUE(r.gp_on_write(kMtrrCap, 0x508));
    EXPECT_EQ(r.read(kMtrrDefType), 0u);  // disabled at reset
    r.write(kMtrrDefType, 0xC06);
    EXPECT_EQ(r.read(kMtrrDefType), 0xC06u);
    for (const u64 bad : {u64{0xC02}, u64{0xC03}, u64{0xC07}, u64{0x1C06}, u64{0xD06}})
      EXPECT_TRUE(r.gp_on_write(kMtrrDefType, bad)) << std::hex << bad;
    const u64 top = phys ? (u64{1} << phys) : (u64{1} << 36);
    r.write(kPhysBase0, (top - 0x20000000) | 6);
    r.write(kPhysMask0, ((top - 1) & ~u64{0x1FFFFFFF}) | 0x800);
    EXPECT_EQ(r.read(kPhysMask0) & 0x800, 0x800u);
    EXPECT_TRUE(r.gp_on_write(kPhysBase0, top | 6));        // beyond MAXPHYADDR
    EXPECT_TRUE(r.gp_on_write(kPhysBase0, 0x106));          // reserved bits 11:8
    EXPECT_TRUE(r.gp_on_write(kPhysBase0, 0x2));            // type 2
    EXPECT_TRUE(r.gp_on_write(kPhysMask0, 0x801));          // reserved bits 10:0
    EXPECT_TRUE(r.gp_on_read(kPhysBase0 + 16));             // only 8 pairs
    r.write(kFix64k, 0x0605040100060504);
    EXPECT_EQ(r.read(kFix64k), 0x0605040100060504u);
    r.write(kFix4kF8000, 0x0606060606060606);
    EXPECT_TRUE(r.gp_on_write(kFix64k, 0x0606060606060206));
    EXPECT_TRUE(r.gp_on_read(0x270));
  }
  if (r.has("MCA")) {  // SDM Vol. 3B 16.3.1: no banks, no MCG_CTL
    EXPECT_EQ(r.read(kMcgCap), 0u);
    EXPECT_TRUE(r.gp_on_write(kMcgCap, 0));
    r.write(kMcgStatus, 0x5);
    EXPECT_EQ(r.read(kMcgStatus), 0x5u);
    EXPECT_TRUE(r.gp_on_write(kMcgStatus, 0x8));
    EXPECT_TRUE(r.gp_on_read(kMcgCtl));
    EXPECT_TRUE(r.gp_on_read(kMc0Ctl));
  }
  if (r.has("PAT")) {
    r.write(kPat, 0x0007010600070106);
    EXPECT_EQ(r.read(kPat), 0x0007010600070106u);
    EXPECT_TRUE(r.gp_on_write(kPat, 0x0007010600070102));
  }
  if (r.has("TSC_ADJUST")) {  // SDM Vol. 3B 17.17.3: IA32_TSC and IA32_TSC_ADJUST move together
    r.cpu.tsc = 1'000'000;
    EXPECT_EQ(r.read(kTscAdjust), 0u);
    r.write(kTscAdjust, 5000);
    EXPECT_EQ(r.read(kTsc), 1'005'000u);
    r.write(kTsc, 2'000'000);
    EXPECT_EQ(r.read(kTscAdjust), 5000u + (2'000'000u - 1'005'000u));
    EXPECT_EQ(r.read(kTsc), 2'000'000u);
  } else {
    EXPECT_TRUE(r.gp_on_read(kTscAdjust));
  }
  if (r.guest(0xD, 1).eax & bit(3)) {  // XSAVES: IA32_XSS, no supervisor component offered
    EXPECT_EQ(r.read(kXss), 0u);
    r.write(kXss, 0);
    EXPECT_TRUE(r.gp_on_write(kXss, 0x100));
  } else {
    EXPECT_TRUE(r.gp_on_read(kXss));
    EXPECT_TRUE(r.gp_on_write(kXss, 0));
  }
  if (r.has("NX") && r.has("Intel 64") && r.has("SYSCALL")) r.write(kEfer, 0x901);
  // IA32_MISC_ENABLE: fast strings and Limit CPUID Maxval are the guest's;
  // BTS/PEBS unavailable are read-only; the rest reserved here.
  EXPECT_EQ(r.read(kMiscEnable), 0x1801u);
  r.write(kMiscEnable, 0x1800);
  EXPECT_EQ(r.read(kMiscEnable), 0x1800u);
  r.write(kMiscEnable, 0x401801);
  EXPECT_EQ(r.guest(0, 0).eax, 2u);  // Limit CPUID Maxval
  r.write(kMiscEnable, 0x1801);
  EXPECT_GT(r.guest(0, 0).eax, 2u);
  for (const u64 bad : {u64{0x1001}, u64{0x1881}, u64{0x1809}, u64{0x41801}, u64{0x401801} << 12})
    EXPECT_TRUE(r.gp_on_write(kMiscEnable, bad)) << std::hex << bad;
  // Hidden features: their MSRs are absent. PDCM (IA32_PERF_CAPABILITIES),
  // speculation control, the PMU, thermal and power management, MPX, XFD,
  // WAITPKG, platform information.
  for (const u32 msr : {0x345u, 0x48u, 0x49u, 0x10Au, 0x10Bu, 0xC1u, 0x186u, 0x38Fu, 0xE7u, 0xE8u, 0x19Cu, 0x1B1u,
                        0xD90u, 0x1C4u, 0xE1u, 0xCEu})
    EXPECT_TRUE(r.gp_on_read(msr)) << std::hex << msr;
}

void walk(const FakeCpu& host, const VmxCapabilities& caps, const std::string& name) {
  for (const bool lapic : {false, true}) {
    SCOPED_TRACE(name + (lapic ? " with a local APIC" : " without a local APIC"));
    VcpuRig r(host, caps, lapic);
    expect_only_listed_features(r);
    expect_leaf_shape(r);
    expect_feature_msrs(r);
  }
}

TEST(VirtualCpu, GivenEachRecordedProcessorWhenTheWholeViewIsWalkedThenOnlyListedFeaturesWithWorkingMsrs) {
  const std::vector<std::string> names = test::cpuid_recordings();
  ASSERT_GE(names.size(), 5u);
  for (const std::string& name : names) walk(test::load_cpuid_file(name), test::load_vmx_caps(name), name);
  walk(FakeCpu::haswell_4770(), test::haswell_caps(), "scripted Haswell");
}

// Every bit of every leaf set, every control allowed: what reaches the VM
// is exactly the list, nothing a new host could add.
FakeCpu all_ones_host() {
  FakeCpu c;
  const CpuidValues ones{0xFFFFFFFF, 0xFFFFFFFF, 0xFFFFFFFF, 0xFFFFFFFF};
  for (u32 leaf = 0; leaf <= 0x40; ++leaf) c.set_cpuid(leaf, ones);
  for (u32 leaf = 0x80000000; leaf <= 0x80000040; ++leaf) c.set_cpuid(leaf, ones);
  for (u32 sub = 2; sub < 64; ++sub) c.set_cpuid(0xD, sub, {0x40, 0x240, 0xFFFFFFFF, 0xFFFFFFFF});
  c.set_cpuid(0x80000008, {0xFFFFFF27, 0xFFFFFFFF, 0xFFFFFFFF, 0xFFFFFFFF});  // 39 physical bits
  return c;
}

TEST(VirtualCpu, GivenAHostWithEveryBitSetWhenWalkedThenExactlyTheListedFeaturesAppear) {
  VmxCapabilities caps = test::haswell_caps();
  caps.proc2 |= u64{proc2::kEnableRdtscp | proc2::kEnableInvpcid | proc2::kEnableXsaves} << 32;
  walk(all_ones_host(), caps, "all ones");
  for (const bool lapic : {false, true}) {
    VcpuRig r(all_ones_host(), caps, lapic);
    for (const Feature& f : kFeatures) {
      const bool expected = !(f.needs & kLapic) || lapic;
      EXPECT_EQ((reg_of(r.guest(f.leaf, f.subleaf), f.reg) >> f.bit) & 1, expected ? 1u : 0u) << f.name;
    }
    EXPECT_EQ(r.guest(0, 0).eax, 0x1Fu);
    EXPECT_EQ(r.guest(0x80000000, 0), (CpuidValues{0x80000008, 0, 0, 0}));
    EXPECT_EQ(r.guest(0x80000005, 0), CpuidValues{});
    EXPECT_EQ(r.guest(0x80000008, 0), (CpuidValues{0xFF27, bit(9), 0, 0}));
    EXPECT_EQ(r.xcr0_mask(), 0x602E7u);  // x87 SSE AVX AVX-512 PKRU AMX: no MPX, nothing unknown
    EXPECT_EQ(r.guest(0xD, 1).eax, 0xFu);  // XSAVEOPT XSAVEC XGETBV1 XSAVES; no XFD
    EXPECT_EQ(r.guest(0x1D, 0).eax, 0xFFFFFFFFu);  // AMX palette leaf, with AMX
  }
}

TEST(VirtualCpu, GivenNoSecondaryControlsWhenBuiltThenRdtscpRdpidInvpcidAndXsavesAreHidden) {
  VmxCapabilities caps = test::haswell_caps();
  caps.proc2 &= ~(u64{proc2::kEnableRdtscp | proc2::kEnableInvpcid | proc2::kEnableXsaves} << 32);
  VcpuRig r(all_ones_host(), caps, true);
  EXPECT_EQ(r.secondary, 0u);
  for (const char* name : {"RDTSCP", "RDPID", "INVPCID"}) EXPECT_FALSE(r.has(name)) << name;
  EXPECT_EQ(r.guest(0xD, 1).eax & bit(3), 0u);
  EXPECT_TRUE(r.gp_on_read(kXss));
}

TEST(VirtualCpu, GivenAHostWithoutAvxStateWhenBuiltThenNoVectorExtensionIsShown) {
  FakeCpu host = all_ones_host();
  host.set_cpuid(0xD, 0, {0x3, 0, 0, 0});  // x87 and SSE only
  VcpuRig r(host, test::haswell_caps(), false);
  for (const Feature& f : kFeatures)
    if (f.needs & (kYmm | kZmm | kPkruState | kAmxState))
      EXPECT_FALSE(reg_of(r.guest(f.leaf, f.subleaf), f.reg) & bit(f.bit)) << f.name;
  EXPECT_TRUE(r.has("XSAVE"));
}

// SDM: the MTRRs exist with CPUID.1:EDX.MTRR, IA32_MCG_* with MCA,
// IA32_TSC_ADJUST with CPUID.(7,0):EBX[1]; a host without them gives a
// VM without them, and their MSRs #GP.
TEST(VirtualCpu, GivenAHostWithoutMtrrMcaAndTscAdjustWhenBuiltThenTheirMsrsGp) {
  FakeCpu host = all_ones_host();
  host.set_cpuid(1, {0xFFFFFFFF, 0xFFFFFFFF, 0xFFFFFFFF, ~(bit(12) | bit(14))});
  host.set_cpuid(7, 0, {1, ~bit(1), 0xFFFFFFFF, 0xFFFFFFFF});
  VcpuRig r(host, test::haswell_caps(), false);
  for (const char* name : {"MTRR", "MCA", "TSC_ADJUST"}) EXPECT_FALSE(r.has(name)) << name;
  for (const u32 msr : {kMtrrCap, kMtrrDefType, kPhysBase0, kFix64k, kMcgCap, kMcgStatus, kTscAdjust}) {
    EXPECT_TRUE(r.gp_on_read(msr)) << std::hex << msr;
    EXPECT_TRUE(r.gp_on_write(msr, 0)) << std::hex << msr;
  }
  r.write(kTsc, 1234);  // the TSC itself stays writable
}

TEST(VirtualCpu, GivenGuestCr4PkeWhenLeaf7ThenOspkeFollowsIt) {
  VcpuRig r(all_ones_host(), test::haswell_caps(), false);
  for (const bool pke : {false, true, false}) {
    r.vmcs.set(VmcsNat::guest_cr4, pke ? u64{1} << 22 : 0);
    EXPECT_EQ((r.guest(7, 0).ecx >> 4) & 1, pke ? 1u : 0u);
  }
}

TEST(VirtualCpu, GivenFirmwareMtrrsWhenReadThenWriteBackWithTheHoleAndVgaUncacheable) {
  VcpuRig r(FakeCpu::haswell_4770(), test::haswell_caps(), true);
  firmware_mtrrs(r.vcpu.msrs, 0xE0000000, 39);
  EXPECT_EQ(r.read(kMtrrDefType), 0xC06u);
  EXPECT_EQ(r.read(kPhysBase0), 0xE0000000u);
  EXPECT_EQ(r.read(kPhysMask0), 0x7FE0000800u);  // 512 MiB below 4 GiB, 39-bit addresses
  EXPECT_EQ(r.read(0x259), 0u);                  // 0xA0000-0xBFFFF UC
  EXPECT_EQ(r.read(kFix64k), 0x0606060606060606u);
  EXPECT_EQ(r.read(kPhysBase0 + 2), 0u);
}

}  // namespace
}  // namespace nucleo::vmx::exit_test

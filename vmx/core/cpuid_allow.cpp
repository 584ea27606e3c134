// SPDX-License-Identifier: MIT
// The allow-list of the virtual CPU (vmx/core/cpuid_allow.hpp). Bit names
// and leaf layouts: SDM Vol. 2A, "CPUID - CPU Identification", Tables 3-8
// (leaves), 3-10 (leaf 1 ECX) and 3-11 (leaf 1 EDX); leaf 7 and the
// extended leaves in the same instruction's Table 3-8 rows.
// Why each bit may pass, and which MSRs back it: docs/virtual-cpu.md.
// Leaves or fields nucleo computes itself (leaf 0 EAX, leaf 1 EBX[31:16],
// leaf 4 EAX[31:14], 6, 7.0 EAX, 0xB, 0xD, 0x1F, 0x80000000 EAX) are
// produced in exit_cpuid.cpp; this table only says which host bits survive.
#include "vmx/core/cpuid_allow.hpp"

#include "vmx/core/capabilities.hpp"
#include "vmx/core/xsave.hpp"

namespace nucleo::vmx {

namespace {

constexpr u32 kAny = 0xFFFFFFFF;  // every subleaf
constexpr u32 kAll = 0xFFFFFFFF;  // the whole register: an informational field

constexpr u32 b(u32 n) { return 1u << n; }

struct Row {
  u32 leaf;
  u32 subleaf;
  CpuidReg reg;
  u32 bits;
  u32 needs;  // gate:: bits that must all hold
};

using enum CpuidReg;

constexpr Row kRows[] = {
    // Leaf 0: the vendor string (EAX, the maximum leaf, is clamped).
    {0, kAny, ebx, kAll, 0},
    {0, kAny, ecx, kAll, 0},
    {0, kAny, edx, kAll, 0},
    // Leaf 1: signature; brand index and CLFLUSH line size (EBX[15:0]).
    {1, kAny, eax, kAll, 0},
    {1, kAny, ebx, 0x0000FFFF, 0},
    // SSE3, PCLMULQDQ, SSSE3, CMPXCHG16B, PCID (CR4.PCIDE is the guest's),
    // SSE4.1, SSE4.2, MOVBE, POPCNT, AES-NI, RDRAND: instructions that run
    // natively in VMX non-root operation with nothing to emulate.
    {1, kAny, ecx, b(0) | b(1) | b(9) | b(13) | b(17) | b(19) | b(20) | b(22) | b(23) | b(25) | b(30), 0},
    {1, kAny, ecx, b(26), gate::kXsave},                 // XSAVE: XSETBV checked against the VM's mask
    {1, kAny, ecx, b(12) | b(28) | b(29), gate::kAvx},   // FMA, AVX, F16C: need YMM state in XCR0
    // FPU, VME, DE, PSE, TSC, MSR, PAE, MCE, CX8, SEP, MTRR (emulated
    // MTRRs), PGE, MCA (MCG_CAP with 0 banks), CMOV, PAT, PSE-36, CLFSH,
    // MMX, FXSR, SSE, SSE2, SS, HTT (EBX[23:16] is the VM's count).
    {1, kAny, edx,
     b(0) | b(1) | b(2) | b(3) | b(4) | b(5) | b(6) | b(7) | b(8) | b(11) | b(12) | b(13) | b(14) | b(15) | b(16) |
         b(17) | b(19) | b(23) | b(24) | b(25) | b(26) | b(27) | b(28),
     0},
    // Leaf 2 (cache and TLB descriptors) and leaf 4 (cache parameters; the
    // core and sharing counts are the VM's): informational.
    {2, kAny, eax, kAll, 0},
    {2, kAny, ebx, kAll, 0},
    {2, kAny, ecx, kAll, 0},
    {2, kAny, edx, kAll, 0},
    {4, kAny, eax, kAll, 0},
    {4, kAny, ebx, kAll, 0},
    {4, kAny, ecx, kAll, 0},
    {4, kAny, edx, kAll, 0},
    // Leaf 7 subleaf 0 EBX: FSGSBASE, IA32_TSC_ADJUST (emulated), BMI1,
    // HLE, FDP_EXCPTN_ONLY, SMEP, BMI2, ERMS, RTM, FPU CS/DS deprecation,
    // RDSEED, ADX, SMAP, CLFLUSHOPT, CLWB, SHA.
    {7, 0, ebx,
     b(0) | b(1) | b(3) | b(4) | b(6) | b(7) | b(8) | b(9) | b(11) | b(13) | b(18) | b(19) | b(20) | b(23) | b(24) |
         b(29),
     0},
    {7, 0, ebx, b(10), gate::kInvpcid},  // INVPCID: #UD in the guest unless the control is set
    {7, 0, ebx, b(5), gate::kAvx},       // AVX2
    // AVX512F, DQ, IFMA, PF, ER, CD, BW, VL.
    {7, 0, ebx, b(16) | b(17) | b(21) | b(26) | b(27) | b(28) | b(30) | b(31), gate::kAvx512},
    // ECX: PREFETCHWT1, GFNI, CLDEMOTE, MOVDIRI, MOVDIR64B.
    {7, 0, ecx, b(0) | b(8) | b(25) | b(27) | b(28), 0},
    {7, 0, ecx, b(9) | b(10), gate::kAvx},                                // VAES, VPCLMULQDQ
    {7, 0, ecx, b(1) | b(6) | b(11) | b(12) | b(14), gate::kAvx512},     // VBMI, VBMI2, VNNI, BITALG, VPOPCNTDQ
    {7, 0, ecx, b(3), gate::kPkru},                                       // PKU (OSPKE follows the guest's CR4)
    {7, 0, ecx, b(22), gate::kRdtscp},                                    // RDPID: IA32_TSC_AUX
    // EDX: FSRM, MD_CLEAR (VERW clears buffers natively), SERIALIZE.
    {7, 0, edx, b(4) | b(10) | b(14), 0},
    {7, 0, edx, b(2) | b(3) | b(8) | b(23), gate::kAvx512},  // 4VNNIW, 4FMAPS, VP2INTERSECT, FP16
    {7, 0, edx, b(22) | b(24) | b(25), gate::kAmx},          // AMX-BF16, AMX-TILE, AMX-INT8
    // Leaf 7 subleaf 1 EAX: fast zero-length MOVSB, short STOSB, short
    // CMPSB/SCASB; AVX-VNNI; AVX512_BF16.
    {7, 1, eax, b(10) | b(11) | b(12), 0},
    {7, 1, eax, b(4), gate::kAvx},
    {7, 1, eax, b(5), gate::kAvx512},
    // Leaves 0x15 (TSC/crystal ratio) and 0x16 (frequencies): the guest's
    // TSC ticks at the host's rate (only an offset is applied).
    {0x15, kAny, eax, kAll, 0},
    {0x15, kAny, ebx, kAll, 0},
    {0x15, kAny, ecx, kAll, 0},
    {0x16, kAny, eax, kAll, 0},
    {0x16, kAny, ebx, kAll, 0},
    {0x16, kAny, ecx, kAll, 0},
    // Leaves 0x1D/0x1E: the tile palette and TMUL parameters, with AMX.
    {0x1D, kAny, eax, kAll, gate::kAmx},
    {0x1D, kAny, ebx, kAll, gate::kAmx},
    {0x1D, kAny, ecx, kAll, gate::kAmx},
    {0x1E, kAny, ebx, kAll, gate::kAmx},
    // 0x80000001 ECX: LAHF/SAHF in 64-bit mode, LZCNT, PREFETCHW.
    {0x80000001, kAny, ecx, b(0) | b(5) | b(8), 0},
    // EDX: SYSCALL, NX (EFER.NXE), 1-GByte pages, Intel 64 (EFER.LME).
    {0x80000001, kAny, edx, b(11) | b(20) | b(26) | b(29), 0},
    {0x80000001, kAny, edx, b(27), gate::kRdtscp},  // RDTSCP: IA32_TSC_AUX
    // The processor brand string and cache descriptions.
    {0x80000002, kAny, eax, kAll, 0},
    {0x80000002, kAny, ebx, kAll, 0},
    {0x80000002, kAny, ecx, kAll, 0},
    {0x80000002, kAny, edx, kAll, 0},
    {0x80000003, kAny, eax, kAll, 0},
    {0x80000003, kAny, ebx, kAll, 0},
    {0x80000003, kAny, ecx, kAll, 0},
    {0x80000003, kAny, edx, kAll, 0},
    {0x80000004, kAny, eax, kAll, 0},
    {0x80000004, kAny, ebx, kAll, 0},
    {0x80000004, kAny, ecx, kAll, 0},
    {0x80000004, kAny, edx, kAll, 0},
    {0x80000006, kAny, ecx, kAll, 0},
    // 0x80000007 EDX: invariant TSC (a pinned vCPU's TSC is the host's plus an offset).
    {0x80000007, kAny, edx, b(8), 0},
    // 0x80000008: physical and linear address widths; WBNOINVD.
    {0x80000008, kAny, eax, 0x0000FFFF, 0},
    {0x80000008, kAny, ebx, b(9), 0},
};

}  // namespace

u32 cpuid_gates(u64 xcr0_mask, bool lapic, u32 secondary_controls) {
  u32 g = lapic ? gate::kLapic : 0;
  if (xcr0_mask != 0) g |= gate::kXsave;
  const auto has = [xcr0_mask](u64 bits) { return (xcr0_mask & bits) == bits; };
  if (has(xcr0::kSse | xcr0::kAvx)) g |= gate::kAvx;
  if (has(xcr0::kSse | xcr0::kAvx | xcr0::kAvx512)) g |= gate::kAvx512;
  if (has(xcr0::kPkru)) g |= gate::kPkru;
  if (has(xcr0::kAmx)) g |= gate::kAmx;
  if (secondary_controls & proc2::kEnableRdtscp) g |= gate::kRdtscp;
  if (secondary_controls & proc2::kEnableInvpcid) g |= gate::kInvpcid;
  if (secondary_controls & proc2::kEnableXsaves) g |= gate::kXsaves;
  return g;
}

u32 cpuid_allowed(u32 leaf, u32 subleaf, CpuidReg reg, u32 gates) {
  u32 bits = 0;
  for (const Row& row : kRows) {
    if (row.leaf != leaf || row.reg != reg || (row.subleaf != kAny && row.subleaf != subleaf)) continue;
    if ((row.needs & gates) == row.needs) bits |= row.bits;
  }
  return bits;
}

CpuidValues cpuid_allow(u32 leaf, u32 subleaf, const CpuidValues& host, u32 gates) {
  return {host.eax & cpuid_allowed(leaf, subleaf, eax, gates), host.ebx & cpuid_allowed(leaf, subleaf, ebx, gates),
          host.ecx & cpuid_allowed(leaf, subleaf, ecx, gates), host.edx & cpuid_allowed(leaf, subleaf, edx, gates)};
}

}  // namespace nucleo::vmx

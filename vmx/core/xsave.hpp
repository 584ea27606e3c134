// SPDX-License-Identifier: MIT
// The XSAVE feature set as a VM sees it: which XCR0 values it may load
// (the per-VM mask, and every rule XSETBV checks), and what CPUID leaf 0xD
// says about it. The mask is computed once from the host's leaf 0xD and
// what nucleo offers, before the vCPU first runs; the guest's CPUID 0xD is
// derived from the same mask, so a value that the guest's CPUID allows is
// one the host CPU accepts, and the host's XSETBV in VMX root operation
// (a fault there ends the machine) only ever sees a checked value.
// SDM Vol. 1 13.2 (enumeration), 13.3 (XCR0 and its rules), 13.4
// (XSAVE area layout); Vol. 2C, XSETBV.
#pragma once

#include "kernel/virt/cpu_access.hpp"

namespace nucleo::vmx {

// XCR0 state-component bits (SDM Vol. 1 13.3, Figure 13-1).
namespace xcr0 {
constexpr u64 kX87 = 1u << 0;
constexpr u64 kSse = 1u << 1;
constexpr u64 kAvx = 1u << 2;
constexpr u64 kMpx = (1u << 3) | (1u << 4);             // BNDREGS, BNDCSR: both or neither
constexpr u64 kAvx512 = (1u << 5) | (1u << 6) | (1u << 7);  // opmask, ZMM_Hi256, Hi16_ZMM: all or none
constexpr u64 kPkru = 1u << 9;
constexpr u64 kAmx = (1u << 17) | (1u << 18);            // XTILECFG, XTILEDATA: both or neither
// Every user state component the VM may enable. Bits 8 and 10-16 are
// supervisor components (IA32_XSS, never XCR0); newer bits (19 and up)
// stay hidden until their rules are added here. MPX (kMpx) is not
// offered: CPUID hides MPX because IA32_BNDCFGS is not virtualized, and
// XCR0 must not enumerate state of a feature the CPU does not have.
constexpr u64 kKnown = kX87 | kSse | kAvx | kAvx512 | kPkru | kAmx;
}  // namespace xcr0

// One state component as CPUID.(EAX=0DH,ECX=i) describes it (SDM Vol. 1
// 13.2): size and standard-format offset in bytes, ECX flags (bit 1:
// 64-byte aligned in the compacted format).
struct XsaveComponent {
  u32 size = 0;
  u32 offset = 0;
  u32 flags = 0;
};

struct XsaveView {
  static constexpr u32 kComponents = 19;  // 0 .. 18 (AMX XTILEDATA, the highest bit of xcr0::kKnown)
  // What XSETBV may load. Not built: x87 only, XCR0's value at reset
  // (SDM Vol. 1 13.3). 0: no XSAVE at all, XSETBV is #UD.
  u64 xcr0_mask = xcr0::kX87;
  u32 subleaf1_eax = 0;  // XSAVEOPT, XSAVEC, XGETBV with ECX = 1, XSAVES
  XsaveComponent component[kComponents] = {};
};

// The mask offered to a VM: the host's supported XCR0 bits (leaf 0xD
// subleaf 0 EDX:EAX) that nucleo knows, reduced until the mask itself obeys
// the XSETBV rules (no AVX without SSE, no AVX-512 without AVX, pairs and
// triples whole). 0 when the host has no x87 bit (no XSAVE).
u64 offered_xcr0_mask(u64 host_supported);

// The view a vCPU's CPUID and XSETBV use, from the host's leaf 0xD (only
// when CPUID.1:ECX.XSAVE[26] is set; otherwise the mask is 0).
XsaveView build_xsave_view(CpuAccess& cpu);

// True when XSETBV with ECX = 0 may load `value` on a CPU whose CPUID
// enumerates `mask`: every rule of SDM Vol. 1 13.3 and Vol. 2C XSETBV.
bool xcr0_allowed(u64 value, u64 mask);

// CPUID.(EAX=0DH, ECX=subleaf) as the guest sees it, with `xcr0` its
// current XCR0 (subleaf 0 EBX and subleaf 1 EBX depend on it).
CpuidValues xsave_cpuid(const XsaveView& view, u32 subleaf, u64 xcr0);

}  // namespace nucleo::vmx

// SPDX-License-Identifier: MIT
// XCR0 rules and the guest's CPUID leaf 0xD (vmx/core/xsave.hpp).
#include "vmx/core/xsave.hpp"

namespace nucleo::vmx {

namespace {

constexpr u32 kLeaf1EcxXsave = 1u << 26;
// CPUID.(EAX=0DH,ECX=1):EAX (SDM Vol. 1 13.2): XSAVEOPT (0), XSAVEC (1),
// XGETBV with ECX = 1 (2), XSAVES/XRSTORS and IA32_XSS (3). XFD (4) stays
// hidden: IA32_XFD and IA32_XFD_ERR are not emulated, their RDMSR/WRMSR #GP.
constexpr u32 kSubleaf1EaxOffered = 0xF;
// Component flags (subleaf i ECX, SDM Vol. 1 13.2): bit 1, 64-byte
// alignment in the compacted format, is kept; bit 0 (supervisor) is 0 for
// every XCR0 component and bit 2 (XFD) is hidden with XFD.
constexpr u32 kComponentFlagAligned = 1u << 1;
// The legacy region (512 bytes) and the XSAVE header (64) precede every
// extended component (SDM Vol. 1 13.4).
constexpr u32 kLegacyAndHeader = 512 + 64;

bool whole(u64 value, u64 group) { return (value & group) == 0 || (value & group) == group; }

// Size of an XSAVE area in the standard format holding `bits`: the end of
// the furthest enabled component (SDM Vol. 1 13.4.3).
u32 standard_size(const XsaveView& v, u64 bits) {
  u32 size = kLegacyAndHeader;
  for (u32 i = 2; i < XsaveView::kComponents; ++i) {
    if (!((bits >> i) & 1)) continue;
    const u32 end = v.component[i].offset + v.component[i].size;
    if (end > size) size = end;
  }
  return size;
}

// Size in the compacted format (XSAVEC/XSAVES): components packed in
// order, each aligned to 64 bytes when its flag says so (SDM Vol. 1 13.4.3).
u32 compacted_size(const XsaveView& v, u64 bits) {
  u32 size = kLegacyAndHeader;
  for (u32 i = 2; i < XsaveView::kComponents; ++i) {
    if (!((bits >> i) & 1)) continue;
    if (v.component[i].flags & kComponentFlagAligned) size = (size + 63) & ~63u;
    size += v.component[i].size;
  }
  return size;
}

}  // namespace

u64 offered_xcr0_mask(u64 host_supported) {
  if (!(host_supported & xcr0::kX87)) return 0;
  u64 m = host_supported & xcr0::kKnown;
  // SDM Vol. 1 13.3: AVX needs SSE, AVX-512 needs AVX; the MPX pair, the
  // AVX-512 triple and the AMX pair are enabled whole or not at all. A mask
  // that breaks one would offer the guest a bit it can never set.
  if (!(m & xcr0::kSse)) m &= ~xcr0::kAvx;
  if (!(m & xcr0::kAvx) || (m & xcr0::kAvx512) != xcr0::kAvx512) m &= ~xcr0::kAvx512;
  if ((m & xcr0::kMpx) != xcr0::kMpx) m &= ~xcr0::kMpx;
  if ((m & xcr0::kAmx) != xcr0::kAmx) m &= ~xcr0::kAmx;
  return m;
}

XsaveView build_xsave_view(CpuAccess& cpu) {
  XsaveView v;
  v.xcr0_mask = 0;
  if (cpu.cpuid(0, 0).eax < 0xD || !(cpu.cpuid(1, 0).ecx & kLeaf1EcxXsave)) return v;
  const CpuidValues s0 = cpu.cpuid(0xD, 0);
  v.xcr0_mask = offered_xcr0_mask(u64{s0.edx} << 32 | s0.eax);
  if (v.xcr0_mask == 0) return v;
  v.subleaf1_eax = cpu.cpuid(0xD, 1).eax & kSubleaf1EaxOffered;
  for (u32 i = 2; i < XsaveView::kComponents; ++i) {
    if (!((v.xcr0_mask >> i) & 1)) continue;
    const CpuidValues c = cpu.cpuid(0xD, i);
    v.component[i] = {c.eax, c.ebx, c.ecx & kComponentFlagAligned};
  }
  return v;
}

bool xcr0_allowed(u64 value, u64 mask) {
  // SDM Vol. 2C XSETBV, #GP(0): bits reserved in XCR0 (everything the
  // CPUID mask does not enumerate), bit 0 clear, XCR0[2:1] = 10b, XCR0[7:5]
  // neither 000b nor 111b or non-zero without AVX, XCR0[4:3] and
  // XCR0[18:17] neither 00b nor 11b (Vol. 1 13.3).
  if (value & ~mask) return false;
  if (!(value & xcr0::kX87)) return false;
  if ((value & xcr0::kAvx) && !(value & xcr0::kSse)) return false;
  if ((value & xcr0::kAvx512) && !(value & xcr0::kAvx)) return false;
  return whole(value, xcr0::kAvx512) && whole(value, xcr0::kMpx) && whole(value, xcr0::kAmx);
}

CpuidValues xsave_cpuid(const XsaveView& v, u32 subleaf, u64 xcr0) {
  if (v.xcr0_mask == 0) return {};
  switch (subleaf) {
    case 0:  // supported XCR0 bits; area size for XCR0 now and for all of them
      return {static_cast<u32>(v.xcr0_mask), standard_size(v, xcr0), standard_size(v, v.xcr0_mask),
              static_cast<u32>(v.xcr0_mask >> 32)};
    case 1:  // no IA32_XSS bits: the MSR is not emulated (ECX = EDX = 0)
      return {v.subleaf1_eax, (v.subleaf1_eax & 0xA) ? compacted_size(v, xcr0) : 0, 0, 0};
    default:  // a component the mask lacks is an invalid subleaf: all zeros
      if (subleaf >= XsaveView::kComponents || !((v.xcr0_mask >> subleaf) & 1)) return {};
      return {v.component[subleaf].size, v.component[subleaf].offset, v.component[subleaf].flags, 0};
  }
}

}  // namespace nucleo::vmx

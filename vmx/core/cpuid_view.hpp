// SPDX-License-Identifier: MIT
// A vCPU's CPUID answers for the leaves that depend on neither the subleaf
// (ECX) nor guest state, computed once before the vCPU first runs
// (build_cpuid_view in exit_cpuid.cpp) so that a CPUID exit for them is a
// table lookup instead of a host CPUID plus the masking of guest_cpuid.
// Every other leaf is computed per exit, as before. Which leaves take ECX as
// a subleaf: SDM Vol. 2A, "CPUID - CPU Identification", Table 3-8.
#pragma once

#include "kernel/virt/cpu_access.hpp"
#include "vmx/core/xsave.hpp"

namespace nucleo::vmx {

struct CpuidView {
  static constexpr u32 kBasicLeaves = 0x20;  // 0 .. 0x1F
  static constexpr u32 kExtendedBase = 0x80000000;
  static constexpr u32 kExtendedLeaves = 9;  // 0x80000000 .. 0x80000008

  CpuidValues basic[kBasicLeaves] = {};
  CpuidValues extended[kExtendedLeaves] = {};
  u32 basic_present = 0;     // bit n: basic[n] holds leaf n
  u32 extended_present = 0;  // bit n: extended[n] holds leaf 0x80000000 + n
  // Leaf 0xD and the XCR0 values XSETBV accepts, from one mask
  // (vmx/core/xsave.hpp); leaf 0xD is answered from here, not the host.
  XsaveView xsave;

  // The stored answer for `leaf` (any subleaf), or nullptr: compute it.
  const CpuidValues* find(u32 leaf) const {
    if (leaf < kBasicLeaves) return (basic_present >> leaf) & 1 ? &basic[leaf] : nullptr;
    const u32 e = leaf - kExtendedBase;
    if (e < kExtendedLeaves) return (extended_present >> e) & 1 ? &extended[e] : nullptr;
    return nullptr;
  }
};

}  // namespace nucleo::vmx

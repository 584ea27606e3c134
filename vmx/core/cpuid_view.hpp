// SPDX-License-Identifier: MIT
// A vCPU's CPUID answers for the leaves that depend on neither the subleaf
// (ECX) nor guest state, computed once before the vCPU first runs
// (build_cpuid_view in exit_cpuid.cpp) so that a CPUID exit for them is a
// table lookup instead of a host CPUID plus the masking of guest_cpuid.
// Every other leaf is computed per exit, as before. Which leaves take ECX as
// a subleaf: SDM Vol. 2A, "CPUID - CPU Identification", Table 3-8.
// It also holds what the virtual CPU is made of beyond the host's bits
// (VirtualCpu: the clamped maximum leaves, the gates of
// vmx/core/cpuid_allow.hpp, the physical-address width).
#pragma once

#include "kernel/virt/cpu_access.hpp"
#include "vmx/core/xsave.hpp"

namespace nucleo::vmx {

struct VirtualCpu {
  u32 max_basic = 0;     // leaf 0 EAX: the host's, at most the highest leaf nucleo defines
  u32 max_extended = 0;  // leaf 0x80000000 EAX, likewise (0 when the host has no extended leaves)
  u32 gates = 0;         // gate:: bits other than kLapic, which follows VcpuState::has_lapic
  u8 phys_bits = 36;     // MAXPHYADDR (0x80000008 EAX[7:0], else 36: SDM Vol. 3A 4.1.4)
  // Features whose MSRs exist only when CPUID shows them (msr_platform.cpp):
  // MTRR (1 EDX[12]), MCA (1 EDX[14]), TSC_ADJUST (7.0 EBX[1]).
  bool mtrr = false, mca = false, tsc_adjust = false;
};

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
  // Built: `cpu` holds the vCPU's VirtualCpu. Not built (host tests that
  // skip build_cpuid_view), guest_cpuid derives it from the host per exit
  // with no secondary controls.
  bool built = false;
  VirtualCpu cpu;

  // The stored answer for `leaf` (any subleaf), or nullptr: compute it.
  const CpuidValues* find(u32 leaf) const {
    if (leaf < kBasicLeaves) return (basic_present >> leaf) & 1 ? &basic[leaf] : nullptr;
    const u32 e = leaf - kExtendedBase;
    if (e < kExtendedLeaves) return (extended_present >> e) & 1 ? &extended[e] : nullptr;
    return nullptr;
  }
};

}  // namespace nucleo::vmx

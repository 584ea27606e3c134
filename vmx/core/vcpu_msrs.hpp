// SPDX-License-Identifier: MIT
// The MSRs behind the virtual CPU's CPUID bits that live in neither the
// VMCS nor the physical CPU: IA32_MISC_ENABLE, the MTRRs, IA32_TSC_ADJUST
// and IA32_MCG_STATUS, one set per vCPU (docs/virtual-cpu.md). The
// handlers (msr_platform.cpp) follow the SDM's access rules: a reserved bit
// or an undefined memory type in a write is #GP(0), as on hardware.
// Under EPT the guest's MTRRs do not decide its memory types (the EPT
// entry's type replaces them, SDM Vol. 3C 29.3.7.2); they are kept so that
// a guest reads back what it wrote and finds what firmware would leave.
#pragma once

#include "kernel/lib/types.hpp"

namespace nucleo::vmx {

struct ExitContext;

namespace msr {
constexpr u32 kTsc = 0x10, kTscAdjust = 0x3B, kMtrrCap = 0xFE, kMcgCap = 0x179, kMcgStatus = 0x17A;
constexpr u32 kMiscEnable = 0x1A0, kMtrrPhysBase0 = 0x200, kMtrrDefType = 0x2FF, kXss = 0xDA0;
constexpr u32 kMtrrFix64k = 0x250, kMtrrFix16k80000 = 0x258, kMtrrFix16kA0000 = 0x259, kMtrrFix4kC0000 = 0x268;
}  // namespace msr

// IA32_MISC_ENABLE (SDM Vol. 4 Table 2-2): fast-strings enable (0) and
// Limit CPUID Maxval (22) are the guest's to change; BTS (11) and PEBS
// (12) unavailable are read-only 1 (no debug store, no PMU); performance
// monitoring available (7) is read-only 0. The other defined bits belong
// to features the virtual CPU lacks (thermal control, EIST, MONITOR, xTPR,
// XD disable) and are reserved here.
namespace misc_enable {
constexpr u64 kFastStrings = 1u << 0;
constexpr u64 kBtsUnavailable = 1u << 11;
constexpr u64 kPebsUnavailable = 1u << 12;
constexpr u64 kLimitCpuid = 1u << 22;
constexpr u64 kReadOnly = (1u << 7) | kBtsUnavailable | kPebsUnavailable;
constexpr u64 kWritable = kFastStrings | kLimitCpuid;
constexpr u64 kReset = kFastStrings | kBtsUnavailable | kPebsUnavailable;
}  // namespace misc_enable

// IA32_MTRRCAP: 8 variable ranges, fixed ranges, write-combining, no SMRR
// (SDM Vol. 3A 12.11.2.1, Figure 12-5).
constexpr u32 kMtrrVariable = 8;
constexpr u64 kMtrrCapValue = kMtrrVariable | (1u << 8) | (1u << 10);
constexpr u32 kMtrrFixed = 11;  // 64K_00000, 16K_80000, 16K_A0000, 4K_C0000 .. 4K_F8000

struct VcpuMsrs {
  u64 misc_enable = misc_enable::kReset;
  u64 mtrr_def_type = 0;                  // MTRRs disabled at reset (SDM Vol. 3A 12.11.5)
  u64 mtrr_variable[2 * kMtrrVariable] = {};  // PHYSBASE0, PHYSMASK0, PHYSBASE1, ...
  u64 mtrr_fixed[kMtrrFixed] = {};
  u64 tsc_adjust = 0;  // SDM Vol. 3B 18.17.3
  u64 mcg_status = 0;
};

// What firmware leaves before an OS starts: MTRRs on, write-back by
// default, the VGA window (0xA0000-0xBFFFF) and [mmio_base, 4 GiB)
// uncacheable; `phys_bits` is the VM's MAXPHYADDR. mmio_base must be
// aligned to the range's power-of-two size below 4 GiB.
void firmware_mtrrs(VcpuMsrs& m, u64 mmio_base, u8 phys_bits);

enum class MsrStatus : u8 { done, gp, not_mine };

// RDMSR/WRMSR of the MSRs above, of IA32_MCG_CAP and of IA32_XSS (when the
// VM has XSAVES). not_mine: another handler, or #GP, decides.
MsrStatus platform_rdmsr(ExitContext& ctx, u32 msr, u64& value);
MsrStatus platform_wrmsr(ExitContext& ctx, u32 msr, u64 value);

}  // namespace nucleo::vmx

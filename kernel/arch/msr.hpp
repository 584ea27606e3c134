// SPDX-License-Identifier: MIT
// Architectural MSR numbers used by the kernel (SDM Vol. 4, Table 2-2).
#pragma once

#include "kernel/lib/types.hpp"

namespace nucleo::msr {

constexpr u32 kApicBase = 0x1B;          // IA32_APIC_BASE
constexpr u64 kApicBaseBsp = 1u << 8;
constexpr u64 kApicBaseX2apic = 1u << 10;
constexpr u64 kApicBaseEnable = 1u << 11;
constexpr u32 kX2apicFirst = 0x800;      // x2APIC register n at 0x800 + (offset >> 4)
constexpr u32 kEfer = 0xC0000080;
constexpr u32 kGsBase = 0xC0000101;
constexpr u32 kKernelGsBase = 0xC0000102;

}  // namespace nucleo::msr

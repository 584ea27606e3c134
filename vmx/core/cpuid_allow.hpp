// SPDX-License-Identifier: MIT
// The virtual CPU's feature bits as an allow-list: a CPUID bit reaches a VM
// only when a row of the table in cpuid_allow.cpp names it, its
// requirements (gates) hold for the vCPU, and the host has it. A feature a
// new host adds stays hidden until someone decides nucleo supports it and
// adds its row, with whatever MSRs and behaviour the feature implies
// (docs/virtual-cpu.md lists them leaf by leaf).
#pragma once

#include "kernel/virt/cpu_access.hpp"

namespace nucleo::vmx {

// What a row may require beyond the host's bit: a property of this VM's
// vCPU, decided once before it first runs (build_cpuid_view).
namespace gate {
constexpr u32 kLapic = 1u << 0;    // the VM has a virtual local APIC
constexpr u32 kXsave = 1u << 1;    // the VM's XCR0 mask is not 0 (vmx/core/xsave.hpp)
constexpr u32 kAvx = 1u << 2;      // ... and holds SSE and AVX (YMM state)
constexpr u32 kAvx512 = 1u << 3;   // ... and the AVX-512 triple
constexpr u32 kPkru = 1u << 4;     // ... and PKRU
constexpr u32 kAmx = 1u << 5;      // ... and the AMX pair
constexpr u32 kRdtscp = 1u << 6;   // the VMCS has "enable RDTSCP" (RDTSCP and RDPID run, TSC offset applied)
constexpr u32 kInvpcid = 1u << 7;  // the VMCS has "enable INVPCID"
constexpr u32 kXsaves = 1u << 8;   // the VMCS has "enable XSAVES/XRSTORS"
}  // namespace gate

enum class CpuidReg : u8 { eax, ebx, ecx, edx };

// The gates that hold for a vCPU with this XCR0 mask, local APIC and
// secondary processor-based VM-execution controls (SDM Vol. 3C 25.6.2).
u32 cpuid_gates(u64 xcr0_mask, bool lapic, u32 secondary_controls);

// The bits of `reg` in CPUID.(leaf, subleaf) that the table allows under
// `gates`. 0 for a leaf the table does not name.
u32 cpuid_allowed(u32 leaf, u32 subleaf, CpuidReg reg, u32 gates);

// The host's answer reduced to the allowed bits, register by register.
CpuidValues cpuid_allow(u32 leaf, u32 subleaf, const CpuidValues& host, u32 gates);

}  // namespace nucleo::vmx

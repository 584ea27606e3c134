// SPDX-License-Identifier: MIT
// What CPUID says inside a VM: the virtual CPU of docs/virtual-cpu.md. Each
// feature bit is one nucleo allows (vmx/core/cpuid_allow.hpp) and the host
// has; the maximum leaves are clamped to what nucleo defines; topology,
// cache sharing, XSAVE (leaf 0xD), thermal/power (6) and the hypervisor
// leaves 0x40000000+ are nucleo's own.
#pragma once

#include "vmx/core/exit_context.hpp"

namespace nucleo::vmx {

CpuidValues guest_cpuid(CpuAccess& cpu, u32 leaf, u32 subleaf, const VcpuState& vcpu);

// Leaf 0 EAX: the clamped maximum, or at most 2 while IA32_MISC_ENABLE[22]
// (Limit CPUID Maxval) is set (SDM Vol. 4 Table 2-2).
u32 cpuid_max_basic(const VirtualCpu& c, const VcpuMsrs& msrs);

// Fills `view` with guest_cpuid's answers for the leaves that depend on
// neither the subleaf nor guest state (vmx/core/cpuid_view.hpp). Run once
// per vCPU, after its id and vcpu_count are set, before it first runs, with
// the secondary processor-based controls its VMCS holds (RDTSCP, INVPCID
// and XSAVES reach the guest only when their control is set).
void build_cpuid_view(CpuidView& view, CpuAccess& cpu, const VcpuState& vcpu, u32 secondary_controls);

}  // namespace nucleo::vmx

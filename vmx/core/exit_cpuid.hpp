// SPDX-License-Identifier: MIT
// What CPUID says inside a VM: the host's answer, with VMX and features the
// VM does not have hidden, the hypervisor bit and leaves 0x40000000+ added,
// and a topology of exactly the VM's vCPUs.
#pragma once

#include "vmx/core/exit_context.hpp"

namespace nucleo::vmx {

CpuidValues guest_cpuid(CpuAccess& cpu, u32 leaf, u32 subleaf, const VcpuState& vcpu);

// Fills `view` with guest_cpuid's answers for the leaves that depend on
// neither the subleaf nor guest state (vmx/core/cpuid_view.hpp). Run once
// per vCPU, after its id and vcpu_count are set, before it first runs.
void build_cpuid_view(CpuidView& view, CpuAccess& cpu, const VcpuState& vcpu);

}  // namespace nucleo::vmx

// SPDX-License-Identifier: MIT
// What CPUID says inside a VM: the host's answer, with VMX and features the
// VM does not have hidden, the hypervisor bit and leaves 0x40000000+ added,
// and a topology of exactly the VM's vCPUs.
#pragma once

#include "vmx/core/exit_context.hpp"

namespace nucleo::vmx {

CpuidValues guest_cpuid(CpuAccess& cpu, u32 leaf, u32 subleaf, const VcpuState& vcpu);

}  // namespace nucleo::vmx

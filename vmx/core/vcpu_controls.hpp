// SPDX-License-Identifier: MIT
// The VM-execution, exit and entry controls of a vCPU, decided from the
// capability MSRs (SDM Vol. 3C 25.6-25.8, Appendix A.3-A.5). Pure, so the
// same decision that vmx/hw/vcpu.cpp writes into a VMCS is what the host
// tool nucleo-vmx-caps reports for a recorded capability set.
#pragma once

#include "vmx/core/capabilities.hpp"

namespace nucleo::vmx {

struct VcpuControls {
  u32 pin = 0, proc = 0, proc2 = 0, exit = 0, entry = 0;
  bool apicv = false;  // APIC-register virtualization and virtual-interrupt delivery in use
};

// lapic: the vCPU has a virtual local APIC (configured VMs); timer: it is
// sliced by the VMX-preemption timer. Fails, naming the missing bits in the
// error's offset, when a control nucleo requires cannot be set.
Result<VcpuControls> plan_controls(const VmxCapabilities& caps, bool lapic, bool timer);

}  // namespace nucleo::vmx

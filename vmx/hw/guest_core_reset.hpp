// SPDX-License-Identifier: MIT
// The guest state a vCPU keeps in its physical core rather than in the
// VMCS: the MSRs the MSR bitmap passes through without a VMCS field (STAR,
// LSTAR, CSTAR, SFMASK, KERNEL_GS_BASE, TSC_AUX), XCR0 and the x87/SSE/AVX
// registers. Nothing switches them between the guest and the hypervisor
// (which uses none of them), so before a vCPU boots they are put back to
// their power-on values: a restarted VM must not find its crashed
// predecessor's state (issue 13, hole 8).
#pragma once

namespace nucleo::vmx {

// On the vCPU's own core, in VMX root operation, before its VMCS is set up.
void reset_guest_core_state();

}  // namespace nucleo::vmx

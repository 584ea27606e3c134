// SPDX-License-Identifier: MIT
// Invalidating one EPT's translations on several cores, the software way:
// INVEPT acts on the executing logical processor only (SDM Vol. 3C
// 29.4.3.3), so the hypervisor cross-calls every core that may cache the
// EPTP and runs INVEPT there. This is BINVEPT's baseline
// (docs/isa/binvept.md) and the path its emulation takes. Kernel-only.
#pragma once

#include "kernel/lib/cpu_set.hpp"
#include "vmx/hw/instructions.hpp"

namespace nucleo::vmx {

// INVEPT `type` for `eptp` on every online core in `cores` (this one
// directly, the others by a cross-call whose IPI a core in VMX non-root
// takes as an external-interrupt exit), returning once all have done it.
// Safe in thread context with interrupts on or off: interrupts are on while
// it waits (smp/cross_call.hpp). ok, or the first failure's status.
hw::VmStatus invept_on_cores(const CpuSet& cores, hw::InveptType type, u64 eptp);

// The narrowest INVEPT type this processor has for one EPTP: single-context
// if IA32_VMX_EPT_VPID_CAP enumerates it, else all-context.
hw::InveptType invept_scope();

}  // namespace nucleo::vmx

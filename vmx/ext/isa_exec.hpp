// SPDX-License-Identifier: MIT
// Executing the extended instructions (isa_table.hpp) for a guest: a #UD
// exit is decoded at CS:RIP; an enabled proposal is checked (mode, CPL,
// operands), emulated and retired like a real instruction; everything else
// gets the #UD the processor raised. The VMX-feature proposals hook the
// exits they would remove and count them. Pure.
#pragma once

#include "vmx/core/exit_context.hpp"

namespace nucleo::vmx::ext {

// A #UD the guest raised (exception bitmap bit 6, set only for VMs with
// extensions): emulate the instruction or reflect the #UD.
[[nodiscard]] ExitAction handle_invalid_opcode(ExitContext& ctx);

// Feature accounting, called from the exits they would remove:
// ipiv: an ICR write that sends a fixed, physically addressed IPI without
// a shorthand (the IPIs IPI virtualization carries out in hardware).
void note_icr_write(ExitContext& ctx, u64 icr);
// pintr: an external-interrupt exit that brought a virtual interrupt from
// another core (posted to this vCPU's local APIC before the exit).
void note_external_interrupt(ExitContext& ctx);
// vhlt: a HLT exit of a vCPU with a local APIC (a halt the processor would
// keep in non-root).
inline void note_hlt(ExitContext& ctx) {
  if ((ctx.vcpu.extensions & bit(Id::vhlt)) && ctx.lapic) ++ctx.vcpu.isa.elided_exits[static_cast<u32>(Id::vhlt)];
}

constexpr bool enabled(const VcpuState& v, Id id) { return (v.extensions & bit(id)) != 0; }

}  // namespace nucleo::vmx::ext

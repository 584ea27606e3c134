// SPDX-License-Identifier: MIT
// Delivering virtual interrupts: the one-shot timer of the hypercall ABI
// expires into a pending vector, which is injected as an external interrupt
// at the next VM entry when the guest can take it (RFLAGS.IF = 1, no
// STI/MOV-SS shadow, no other event being injected), and otherwise waits for
// an interrupt-window exit (SDM Vol. 3C 27.6.1 event injection, 26.7.5
// interrupt-window exiting). Pure: through the VMCS and CPU seams.
#pragma once

#include "vmx/core/exit_context.hpp"

namespace nucleo::vmx {

// Injects the pending interrupt or asks for an interrupt window; called
// only when a timer is armed or a vector pending.
void deliver_pending(ExitContext& ctx);

// Called by the vCPU loop before every VM entry. Inline: the common case,
// nothing armed and nothing pending, is one test and no call.
inline void prepare_entry(ExitContext& ctx) {
  if ((ctx.vcpu.timer_deadline | ctx.vcpu.pending_vector) != 0) [[unlikely]]
    deliver_pending(ctx);
}

// Moves an expired timer into the pending vector; true if one is pending.
bool collect_expired_timer(ExitContext& ctx);

}  // namespace nucleo::vmx

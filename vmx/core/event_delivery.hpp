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
// nothing armed, nothing pending and the local APIC's attention not raised
// (kernel/virt/attention.hpp), is one test and no call. The device models
// and the local APIC run only when their attention is raised (an exit that
// may have touched them, an interrupt accepted, a device access) or a
// deadline fired: the VMX-preemption timer is armed for the earliest one
// (docs/devices.md, "When devices run").
inline void prepare_entry(ExitContext& ctx) {
  const u32 look = ctx.lapic != nullptr && ctx.lapic->attention.raised() ? 1u : 0u;
  if ((ctx.vcpu.timer_deadline | ctx.vcpu.pending_vector | look | static_cast<u64>(ctx.vcpu.clear_smi_blocking) |
       __atomic_load_n(&ctx.vcpu.events_any, __ATOMIC_RELAXED)) != 0) [[unlikely]]
    deliver_pending(ctx);
}

// With a virtual PC: fires the local APIC's and the devices' expired timers,
// takes a pending NMI, moves the 8259's interrupt (vCPU 0, virtual wire) and
// the local APIC's into the entry, and sets the VMX-preemption timer to the
// next deadline so the vCPU leaves the guest when a timer is due. Raises
// the local APIC's attention again when something is left that a later
// entry must deliver without an exit to announce it. Returns the next
// deadline (guest TSC, 0: none).
u64 prepare_virtual_pc(ExitContext& ctx);

// INIT (SDM Vol. 3A 10.4.2): the vCPU's local APIC resets, pending events
// are dropped, and the vCPU waits for a SIPI (activity state 3).
void enter_wait_for_sipi(ExitContext& ctx);

// NUCLEO_HC_BLOCK: sleeps in the hypervisor until an event, the vCPU's
// timer or an interrupt is pending, or the VM stops.
void wait_for_event(ExitContext& ctx);

// The highest pending hypercall event, taken (0: none).
u8 take_event(VcpuState& v);

// The vCPU has something the guest would wake up for: an interrupt the
// local APIC would deliver, a pending vector or NMI (after firing expired
// timers).
bool has_wake_event(ExitContext& ctx);

// Moves an expired timer into the pending vector; true if one is pending.
bool collect_expired_timer(ExitContext& ctx);

}  // namespace nucleo::vmx

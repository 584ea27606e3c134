// SPDX-License-Identifier: MIT
// VM exits of APIC virtualization (SDM Vol. 3C chapter 30) driving the
// vCPU's VirtualLapic (kernel/virt/lapic/): APIC access (reason 44,
// fault-like: the access is emulated), virtualized EOI (45, trap-like) and
// APIC write (56, trap-like: the processor already wrote the page). The
// handlers take the VirtualLapic explicitly; the dispatcher's table holds
// wrappers that find the vCPU's one.
#pragma once

#include "kernel/virt/lapic/virtual_lapic.hpp"
#include "vmx/core/exit_context.hpp"

namespace nucleo::vmx {

// Exit qualification of APIC-access exits (SDM Vol. 3C 28.2.1, Table 28-6).
enum class ApicAccessType : u8 {
  linear_read = 0,
  linear_write = 1,
  linear_fetch = 2,
  linear_event_delivery = 3,
  physical_event_delivery = 10,
  physical_instruction = 15,  // guest-physical access for a fetch or during instruction execution
};
const char* apic_access_type_name(ApicAccessType type);

struct ApicAccessQual {
  u64 raw = 0;
  constexpr ApicAccessQual() = default;
  constexpr explicit ApicAccessQual(u64 value) : raw(value) {}
  constexpr u32 offset() const { return static_cast<u32>(raw & 0xFFF); }  // bits 11:0 (linear accesses)
  constexpr ApicAccessType type() const { return static_cast<ApicAccessType>((raw >> 12) & 0xF); }  // 15:12
  constexpr bool asynchronous() const { return (raw >> 16) & 1; }
};
static_assert(ApicAccessQual(0x1300).type() == ApicAccessType::linear_write && ApicAccessQual(0x1300).offset() == 0x300);

// Reason 44: decode the MOV at CS:RIP, emulate it against the model, and
// advance past it. Other access types and other instructions stop the VM
// with a diagnostic naming the instruction bytes.
[[nodiscard]] ExitAction handle_apic_access(ExitContext& ctx, VirtualLapic& lapic);
// Reason 45: the processor performed the EOI on the page (vector in the
// qualification's bits 7:0); the model reacts to a level-triggered one.
[[nodiscard]] ExitAction handle_virtualized_eoi(ExitContext& ctx, VirtualLapic& lapic);
// Reason 56: the offset written is in the qualification's bits 11:0.
[[nodiscard]] ExitAction handle_apic_write(ExitContext& ctx, VirtualLapic& lapic);

// Before entry, with virtual-interrupt delivery: RVI/SVI from the page into
// the guest-interrupt-status field when they changed. Returns the value.
u16 sync_guest_interrupt_status(ExitContext& ctx, VirtualLapic& lapic);

// Before entry, without it: moves the highest deliverable vector (if any,
// and if nothing is pending yet) into VcpuState.pending_vector for
// prepare_entry() to inject, and acknowledges it (IRR -> ISR). True if a
// vector is pending afterwards.
bool collect_lapic_interrupt(ExitContext& ctx, VirtualLapic& lapic);

}  // namespace nucleo::vmx

// SPDX-License-Identifier: MIT
// The one VM-exit dispatcher: decodes the exit once, calls the handler of
// the basic exit reason from a table, and applies the returned action in
// one place (advance RIP and clear STI/MOV-SS blocking, inject an event,
// stop the VM). An exit reason without a handler stops the VM with a full
// diagnostic.
//
// The hot path (decode, the table call, advancing RIP) is inline and generic
// over the VMCS type: host tests run it on the VmcsAccess seam, the vCPU loop
// on the kernel's final HwVmcs, where each access compiles to one inline
// VMREAD/VMWRITE instead of a virtual call (docs/bench-exits.md). The
// argument `vmcs` is always ctx.vmcs itself, as its concrete type.
#pragma once

#include "kernel/virt/exit_action.hpp"
#include "vmx/core/exit_context.hpp"
#include "vmx/core/exit_info.hpp"
#include "vmx/core/exit_reason.hpp"

namespace nucleo::vmx {

using ExitHandler = ExitAction (*)(ExitContext&);

// What the dispatcher knows per basic exit reason.
struct ExitRoute {
  ExitHandler handler = nullptr;
  // False for exits whose qualification the SDM leaves undefined or whose
  // handler never reads it (SDM Vol. 3C 28.2.1): one VMREAD less.
  bool reads_qualification = true;
  // True for exits that cannot change what the vCPU's local APIC or the
  // virtual PC must deliver (CPUID, VMCALL, RDMSR, I/O: devices that matter
  // raise it themselves, ...): every other exit raises the local APIC's
  // attention, so the next entry runs the interrupt models
  // (kernel/virt/attention.hpp).
  bool quiet = false;
};

// One route per basic reason; the last entry (kExitReasonCount) is the
// unknown-exit route every other reason shares. Filled in dispatcher.cpp.
struct ExitRouteTable {
  ExitRoute by_reason[kExitReasonCount + 1];
};
extern const ExitRouteTable kExitRoutes;

inline const ExitRoute& exit_route(u32 basic_reason) {
  return kExitRoutes.by_reason[basic_reason < kExitReasonCount ? basic_reason : kExitReasonCount];
}

// Reads the exit reason, qualification (where defined) and instruction
// length into ctx (SDM Vol. 3C 25.9.1, 28.2.1).
template <typename Vmcs>
inline void decode_exit(ExitContext& ctx, Vmcs& vmcs) {
  const ExitReasonField reason(vmcs.read(Vmcs32::exit_reason));
  ctx.basic_reason = reason.basic();
  ctx.entry_failure = reason.entry_failure();
  ctx.qualification = exit_route(ctx.basic_reason).reads_qualification ? vmcs.read(VmcsNat::exit_qualification) : 0;
  ctx.instruction_length = vmcs.read(Vmcs32::exit_instruction_length);
}
inline void decode_exit(ExitContext& ctx) { decode_exit(ctx, ctx.vmcs); }

// The handler for ctx.basic_reason (or the unknown-exit handler).
// Raises the local APIC's attention first for an exit that is not quiet.
[[nodiscard]] inline ExitAction dispatch(ExitContext& ctx) {
  const ExitRoute& route = exit_route(ctx.basic_reason);
  if (!route.quiet && ctx.lapic != nullptr) ctx.lapic->attention.raise();
  return route.handler(ctx);
}

// Resume, inject and stop (dispatcher.cpp): the less frequent actions.
bool apply_other(ExitContext& ctx, const ExitAction& action);

// Applies the action; returns false when the VM must not be resumed.
template <typename Vmcs>
inline bool apply(ExitContext& ctx, Vmcs& vmcs, const ExitAction& action) {
  if (action.kind != ExitAction::Kind::advance) return apply_other(ctx, action);
  // The instruction retired: step over it, and the interrupt shadow of a
  // preceding STI or MOV SS ends with it (SDM Vol. 3A 7.8.3).
  constexpr u32 kShadow = kBlockingBySti | kBlockingByMovSs;
  (void)vmcs.write(VmcsNat::guest_rip, vmcs.read(VmcsNat::guest_rip) + ctx.instruction_length);
  const u32 blocking = vmcs.read(Vmcs32::guest_interruptibility);
  if (blocking & kShadow) [[unlikely]]
    (void)vmcs.write(Vmcs32::guest_interruptibility, blocking & ~kShadow);
  return true;
}
inline bool apply(ExitContext& ctx, const ExitAction& action) { return apply(ctx, ctx.vmcs, action); }

// Handlers (vmx/core/exit_*.cpp).
[[nodiscard]] ExitAction handle_cpuid(ExitContext& ctx);
[[nodiscard]] ExitAction handle_io(ExitContext& ctx);
[[nodiscard]] ExitAction handle_rdmsr(ExitContext& ctx);
[[nodiscard]] ExitAction handle_wrmsr(ExitContext& ctx);
[[nodiscard]] ExitAction handle_cr_access(ExitContext& ctx);
[[nodiscard]] ExitAction handle_hlt(ExitContext& ctx);
[[nodiscard]] ExitAction handle_vmcall(ExitContext& ctx);
[[nodiscard]] ExitAction handle_xsetbv(ExitContext& ctx);
// APIC virtualization (vmx/core/exit_apic.hpp) on the vCPU's own local
// APIC; a VM without one never enables it, so these exits are unknown there.
[[nodiscard]] ExitAction handle_apic_access_exit(ExitContext& ctx);
[[nodiscard]] ExitAction handle_virtualized_eoi_exit(ExitContext& ctx);
[[nodiscard]] ExitAction handle_apic_write_exit(ExitContext& ctx);
[[nodiscard]] ExitAction handle_cache_flush(ExitContext& ctx);
[[nodiscard]] ExitAction handle_vmx_instruction(ExitContext& ctx);
[[nodiscard]] ExitAction handle_exception_or_nmi(ExitContext& ctx);
[[nodiscard]] ExitAction handle_external_interrupt(ExitContext& ctx);
[[nodiscard]] ExitAction handle_interrupt_window(ExitContext& ctx);
[[nodiscard]] ExitAction handle_triple_fault(ExitContext& ctx);
[[nodiscard]] ExitAction handle_init_sipi(ExitContext& ctx);
[[nodiscard]] ExitAction handle_ept_violation(ExitContext& ctx);
// The I/O APIC's MMIO page (exit_ioapic.cpp): whether gpa is in it (and the
// VM has one), and the emulated access.
bool is_ioapic_access(const ExitContext& ctx, u64 gpa);
[[nodiscard]] ExitAction handle_ioapic_access(ExitContext& ctx, u64 gpa, bool write);
[[nodiscard]] ExitAction handle_ept_misconfiguration(ExitContext& ctx);
[[nodiscard]] ExitAction handle_preemption_timer(ExitContext& ctx);
[[nodiscard]] ExitAction handle_unknown(ExitContext& ctx);

}  // namespace nucleo::vmx

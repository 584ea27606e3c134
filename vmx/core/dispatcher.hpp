// SPDX-License-Identifier: MIT
// The one VM-exit dispatcher: decodes the exit once, calls the handler of
// the basic exit reason from a table, and applies the returned action in
// one place (advance RIP and clear STI/MOV-SS blocking, inject an event,
// stop the VM). An exit reason without a handler stops the VM with a full
// diagnostic.
#pragma once

#include "kernel/virt/exit_action.hpp"
#include "vmx/core/exit_context.hpp"

namespace nucleo::vmx {

using ExitHandler = ExitAction (*)(ExitContext&);

// Reads the exit reason, qualification and instruction length into ctx.
void decode_exit(ExitContext& ctx);

// The handler for ctx.basic_reason (or the unknown-exit handler).
[[nodiscard]] ExitAction dispatch(ExitContext& ctx);

// Applies the action; returns false when the VM must not be resumed.
bool apply(ExitContext& ctx, const ExitAction& action);

// Handlers (vmx/core/exit_*.cpp).
[[nodiscard]] ExitAction handle_cpuid(ExitContext& ctx);
[[nodiscard]] ExitAction handle_io(ExitContext& ctx);
[[nodiscard]] ExitAction handle_rdmsr(ExitContext& ctx);
[[nodiscard]] ExitAction handle_wrmsr(ExitContext& ctx);
[[nodiscard]] ExitAction handle_cr_access(ExitContext& ctx);
[[nodiscard]] ExitAction handle_hlt(ExitContext& ctx);
[[nodiscard]] ExitAction handle_vmcall(ExitContext& ctx);
[[nodiscard]] ExitAction handle_xsetbv(ExitContext& ctx);
[[nodiscard]] ExitAction handle_cache_flush(ExitContext& ctx);
[[nodiscard]] ExitAction handle_vmx_instruction(ExitContext& ctx);
[[nodiscard]] ExitAction handle_exception_or_nmi(ExitContext& ctx);
[[nodiscard]] ExitAction handle_external_interrupt(ExitContext& ctx);
[[nodiscard]] ExitAction handle_interrupt_window(ExitContext& ctx);
[[nodiscard]] ExitAction handle_triple_fault(ExitContext& ctx);
[[nodiscard]] ExitAction handle_init_sipi(ExitContext& ctx);
[[nodiscard]] ExitAction handle_ept_violation(ExitContext& ctx);
[[nodiscard]] ExitAction handle_ept_misconfiguration(ExitContext& ctx);
[[nodiscard]] ExitAction handle_preemption_timer(ExitContext& ctx);
[[nodiscard]] ExitAction handle_unknown(ExitContext& ctx);

}  // namespace nucleo::vmx

// SPDX-License-Identifier: MIT
// Small pieces several exit handlers share: exception injection and the
// guest's current privilege level.
#pragma once

#include "vmx/core/exit_context.hpp"
#include "vmx/core/exit_info.hpp"

namespace nucleo::vmx {

inline ExitAction inject_exception(u8 vector, u32 error_code = 0) {
  Event e;
  e.vector = vector;
  e.type = static_cast<u8>(InterruptionType::hardware_exception);
  e.has_error_code = exception_has_error_code(vector);
  e.error_code = error_code;
  return ExitAction::inject(e);
}
inline ExitAction inject_gp() { return inject_exception(vec::kGp, 0); }
// #PF with CR2 = the faulting linear address (SDM Vol. 3A 6.15, interrupt 14).
inline ExitAction inject_page_fault(ExitContext& ctx, u64 linear, u32 error_code) {
  ctx.cpu.write_cr2(linear);
  return inject_exception(vec::kPf, error_code);
}
inline ExitAction inject_ud() { return inject_exception(vec::kUd); }

// CPL = SS.DPL (SDM Vol. 3C 25.4.1: the VMCS keeps CPL in SS access rights).
inline u32 guest_cpl(ExitContext& ctx) { return (ctx.vmcs.read(Vmcs32::guest_ss_access) >> 5) & 3; }

// A general register by its 4-bit number (RSP lives in the VMCS).
inline u64 guest_gpr(ExitContext& ctx, u8 reg) {
  return reg == 4 ? ctx.vmcs.read(VmcsNat::guest_rsp) : ctx.regs.get(reg);
}

}  // namespace nucleo::vmx

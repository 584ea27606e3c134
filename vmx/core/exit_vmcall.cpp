// SPDX-License-Identifier: MIT
// VMCALL (exit reason 18): the entry point of the hypercall ABI in
// guests/include/nucleo/hypercall.h. Every argument is checked; an error is a
// negative RAX, never a fault in the hypervisor.
#include "guests/include/nucleo/hypercall.h"
#include "vmx/core/dispatcher.hpp"
#include "vmx/core/exit_helpers.hpp"

namespace nucleo::vmx {

namespace {

constexpr u64 error_code(long long e) { return static_cast<u64>(e); }

// Every call but the bare VERSION one: the mode, the CPL, then the function.
[[gnu::noinline]] ExitAction hypercall(ExitContext& ctx) {
  GuestRegs& r = ctx.regs;
  // Outside 64-bit mode (CS.L clear) only the low halves are the guest's.
  if (!((ctx.vmcs.read(Vmcs32::guest_cs_access) >> 13) & 1)) {
    r.rax &= 0xFFFFFFFF;
    r.rbx &= 0xFFFFFFFF;
    r.rcx &= 0xFFFFFFFF;
  }
  if (guest_cpl(ctx) != 0) {
    r.rax = error_code(NUCLEO_HC_E_PRIVILEGE);
    return ExitAction::advance();
  }
  switch (r.rax) {
    case NUCLEO_HC_VERSION:
      r.rax = NUCLEO_HC_ABI_VERSION;
      break;
    case NUCLEO_HC_CONSOLE_WRITE: {
      const Span<u8> text = r.rcx <= NUCLEO_HC_CONSOLE_MAX ? ctx.vm.guest_ram(r.rbx, r.rcx) : Span<u8>();
      if (text.empty() && r.rcx != 0) {
        r.rax = error_code(NUCLEO_HC_E_RANGE);
        break;
      }
      for (u8 c : text) ctx.vm.console.put(static_cast<char>(c));
      r.rax = r.rcx;
      break;
    }
    case NUCLEO_HC_EXIT:
      return ExitAction::stop_vm(StopReason::guest_exit, r.rbx);
    case NUCLEO_HC_TIMER_ONESHOT:
      if (r.rbx >= NUCLEO_HC_TIMER_MAX_DELAY || r.rcx < 32 || r.rcx > 255) {
        r.rax = error_code(NUCLEO_HC_E_RANGE);
        break;
      }
      ctx.vcpu.timer_deadline = ctx.cpu.rdtsc() + r.rbx;
      if (ctx.vcpu.timer_deadline == 0) ctx.vcpu.timer_deadline = 1;  // 0 means "not armed"
      ctx.vcpu.timer_vector = static_cast<u8>(r.rcx);
      r.rax = 0;
      break;
    case NUCLEO_HC_VCPU_INFO:
      r.rax = ctx.vcpu.id;
      r.rbx = ctx.vcpu.vcpu_count;
      break;
    default:
      r.rax = error_code(NUCLEO_HC_E_UNKNOWN);
      break;
  }
  return ExitAction::advance();
}

}  // namespace

ExitAction handle_vmcall(ExitContext& ctx) {
  ++ctx.vcpu.hypercalls;
  // NUCLEO_HC_VERSION with RAX = 0 whole is the same call in every mode and
  // reads no argument: only the CPL check is left. This path makes no other
  // call, so it saves few registers; the bare hypercall is what guests use
  // to measure the exit path (docs/bench-exits.md).
  if (ctx.regs.rax == NUCLEO_HC_VERSION && guest_cpl(ctx) == 0) [[likely]] {
    ctx.regs.rax = NUCLEO_HC_ABI_VERSION;
    return ExitAction::advance();
  }
  return hypercall(ctx);
}

}  // namespace nucleo::vmx

// SPDX-License-Identifier: MIT
// VMCALL (exit reason 18): the entry point of the hypercall ABI in
// guests/include/nucleo/hypercall.h. Every argument is checked; an error is a
// negative RAX, never a fault in the hypervisor.
#include "guests/include/nucleo/hypercall.h"
#include "vmx/core/dispatcher.hpp"
#include "kernel/virt/hypercall/hypercall_dispatch.hpp"
#include "vmx/core/event_delivery.hpp"
#include "vmx/core/exit_helpers.hpp"
#include "vmx/core/vcpu_hypercalls.hpp"

namespace nucleo::vmx {

namespace {


// Every call but the bare VERSION one: the vendor-neutral dispatcher
// (kernel/virt/hypercall) checks the mode, the CPL, the function and every
// argument; the action it returns is applied here.
[[gnu::noinline]] ExitAction hypercall(ExitContext& ctx) {
  GuestRegs& r = ctx.regs;
  HypercallRegs regs{r.rax, r.rbx, r.rcx, r.rdx, r.rsi};
  const HypercallCaller caller{((ctx.vmcs.read(Vmcs32::guest_cs_access) >> 13) & 1) != 0, guest_cpl(ctx)};
  VcpuHypercallEnv alone(ctx, nullptr);
  HypercallEnv& env = ctx.hypercall_env ? *ctx.hypercall_env : alone;
  const HypercallResult result = dispatch_hypercall(regs, caller, env);
  r.rax = regs.rax;
  r.rbx = regs.rbx;
  r.rcx = regs.rcx;
  r.rdx = regs.rdx;
  switch (result.action) {
    case HypercallResult::Action::shutdown: return ExitAction::stop_vm(StopReason::guest_exit, result.exit_code);
    case HypercallResult::Action::reboot: return ExitAction::stop_vm(StopReason::reboot_requested);
    case HypercallResult::Action::block: wait_for_event(ctx); break;
    case HypercallResult::Action::complete:
    case HypercallResult::Action::yield: break;  // one vCPU per core: nothing else to run
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

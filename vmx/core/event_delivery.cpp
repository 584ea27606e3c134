// SPDX-License-Identifier: MIT
#include "vmx/core/event_delivery.hpp"

#include "kernel/arch/x86_bits.hpp"
#include "vmx/core/exit_info.hpp"

namespace nucleo::vmx {

namespace {
using x86::kRflagsIf;
constexpr u32 kBlockingStiOrMovSs = kBlockingBySti | kBlockingByMovSs;
}  // namespace

bool collect_expired_timer(ExitContext& ctx) {
  VcpuState& v = ctx.vcpu;
  if (v.timer_deadline != 0 && v.pending_vector == 0 && ctx.cpu.rdtsc() >= v.timer_deadline) {
    v.pending_vector = v.timer_vector;
    v.timer_deadline = 0;
  }
  return v.pending_vector != 0;
}

void deliver_pending(ExitContext& ctx) {
  VcpuState& v = ctx.vcpu;
  if (!collect_expired_timer(ctx)) return;
  const bool injecting = InterruptionInfo(ctx.vmcs.read(Vmcs32::entry_interruption_info)).valid();
  const bool open = (ctx.vmcs.read(VmcsNat::guest_rflags) & kRflagsIf) &&
                    !(ctx.vmcs.read(Vmcs32::guest_interruptibility) & kBlockingStiOrMovSs);
  const u32 proc = ctx.vmcs.read(Vmcs32::proc_controls);
  if (open && !injecting) {
    (void)ctx.vmcs.write(Vmcs32::entry_interruption_info, InterruptionInfo::external_interrupt(v.pending_vector).raw);
    v.pending_vector = 0;
    ++v.interrupts_injected;
    if (proc & proc::kInterruptWindowExiting)
      (void)ctx.vmcs.write(Vmcs32::proc_controls, proc & ~proc::kInterruptWindowExiting);
  } else if (!(proc & proc::kInterruptWindowExiting)) {
    // Exit as soon as the guest can take an interrupt, then inject it.
    (void)ctx.vmcs.write(Vmcs32::proc_controls, proc | proc::kInterruptWindowExiting);
  }
}

}  // namespace nucleo::vmx

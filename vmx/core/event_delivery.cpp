// SPDX-License-Identifier: MIT
#include "vmx/core/event_delivery.hpp"

#include "kernel/arch/x86_bits.hpp"
#include "vmx/core/exit_apic.hpp"
#include "vmx/core/exit_info.hpp"

namespace nucleo::vmx {

namespace {
using x86::kRflagsIf;
constexpr u32 kBlockingStiOrMovSs = kBlockingBySti | kBlockingByMovSs;
}  // namespace

namespace {

// NMI injection with virtual NMIs (SDM Vol. 3C 27.6.1.1, 26.7.6): not while
// the guest blocks NMIs (it is in its NMI handler until IRET) or STI/MOV SS
// shadow it, and not beside another event: then the NMI window exits as
// soon as it can be delivered. True if it was injected.
bool inject_nmi(ExitContext& ctx) {
  const bool injecting = InterruptionInfo(ctx.vmcs.read(Vmcs32::entry_interruption_info)).valid();
  const u32 blocking = ctx.vmcs.read(Vmcs32::guest_interruptibility);
  const u32 proc = ctx.vmcs.read(Vmcs32::proc_controls);
  if (injecting || (blocking & (kBlockingStiOrMovSs | kBlockingByNmi))) {
    if (!(proc & proc::kNmiWindowExiting)) (void)ctx.vmcs.write(Vmcs32::proc_controls, proc | proc::kNmiWindowExiting);
    return false;
  }
  (void)ctx.vmcs.write(Vmcs32::entry_interruption_info, InterruptionInfo::make(2, InterruptionType::nmi, false).raw);
  ctx.vcpu.nmi_pending = false;
  ++ctx.vcpu.nmis_injected;
  if (proc & proc::kNmiWindowExiting) (void)ctx.vmcs.write(Vmcs32::proc_controls, proc & ~proc::kNmiWindowExiting);
  // An interrupt waiting behind the NMI gets its window.
  if (ctx.vcpu.pending_vector != 0 && !(proc & proc::kInterruptWindowExiting))
    (void)ctx.vmcs.write(Vmcs32::proc_controls,
                         ctx.vmcs.read(Vmcs32::proc_controls) | proc::kInterruptWindowExiting);
  return true;
}

// The 8259 pair reaches vCPU 0 through LINT0 in ExtINT mode (the virtual
// wire, MP spec 3.6.2.2), or directly while its local APIC is off.
bool takes_extint(VirtualLapic& lapic) {
  const u32 lint0 = lapic.page().get(vlapic::kLvtLint0);
  const bool extint = ((lint0 >> 8) & 7) == 7 && !((lint0 >> 16) & 1);
  return extint || !lapic.software_enabled() || lapic.mode() == LapicMode::disabled;
}

u64 earliest(u64 a, u64 b) { return a == 0 ? b : b == 0 ? a : (a < b ? a : b); }

// Fires what is due and collects what the guest should take next.
u64 collect_virtual_pc(ExitContext& ctx, u64 now) {
  VirtualLapic& lapic = *ctx.lapic;
  VcpuState& v = ctx.vcpu;
  lapic.poll(now);
  u64 next = lapic.timer_deadline_tsc();
  if (ctx.platform) {  // vCPU 0 owns the devices' timers and the 8259 output
    ctx.platform->poll(now);
    next = earliest(next, ctx.platform->next_deadline_tsc());
    Pic8259Pair* pic = ctx.platform->pic();
    if (pic && v.pending_vector == 0 && pic->has_interrupt() && takes_extint(lapic)) v.pending_vector = pic->acknowledge();
  }
  if (lapic.take_nmi()) v.nmi_pending = true;
  if (v.apicv) (void)sync_guest_interrupt_status(ctx, lapic);
  else (void)collect_lapic_interrupt(ctx, lapic);
  return earliest(next, v.timer_deadline);
}

}  // namespace

u64 prepare_virtual_pc(ExitContext& ctx) {
  // Blocking by SMI must be 0 outside SMM (SDM Vol. 3C 27.3.1.5), and
  // nucleo never runs guests in SMM; Bochs 2.7 nevertheless saves the bit on
  // some exits of a vCPU whose core received INIT/SIPI traffic, and the next
  // entry would fail. Entry is the architectural judge: clear it.
  const u32 blocking = ctx.vmcs.read(Vmcs32::guest_interruptibility);
  if (blocking & kBlockingBySmi) [[unlikely]]
    (void)ctx.vmcs.write(Vmcs32::guest_interruptibility, blocking & ~kBlockingBySmi);
  // Another vCPU's INIT IPI, taken here in software: a physical INIT to a
  // vCPU that waits for SIPI stays pending (SDM Vol. 3C 25.2) and Bochs
  // turns it into endless INIT exits, so INIT IPIs travel as a host
  // interrupt and the INIT happens at this entry.
  if (ctx.lapic->take_init()) enter_wait_for_sipi(ctx);
  const u64 now = ctx.cpu.rdtsc();
  const u64 next = collect_virtual_pc(ctx, now);
  if (ctx.vcpu.preemption_timer != 0) {
    const u64 ticks = next == 0 ? ctx.vcpu.preemption_timer
                                : (next > now ? (next - now) >> ctx.caps.preemption_timer_shift() : 0);
    (void)ctx.vmcs.write(Vmcs32::guest_preemption_timer,
                         static_cast<u32>(ticks < ctx.vcpu.preemption_timer ? ticks : ctx.vcpu.preemption_timer));
  }
  return next;
}

bool has_wake_event(ExitContext& ctx) {
  VcpuState& v = ctx.vcpu;
  if (ctx.lapic) {
    (void)collect_virtual_pc(ctx, ctx.cpu.rdtsc());
    if (v.nmi_pending || ctx.lapic->pending_vector() >= 0) return true;
  }
  return collect_expired_timer(ctx);
}

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
  if (ctx.lapic) {
    (void)prepare_virtual_pc(ctx);
    if (v.nmi_pending && inject_nmi(ctx)) return;
  }
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

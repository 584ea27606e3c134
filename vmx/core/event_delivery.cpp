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

constexpr u32 kActivityWaitForSipi = 3;  // SDM Vol. 3C 25.4.2
bool waiting_for_sipi(ExitContext& ctx) {
  return ctx.vmcs.read(Vmcs32::guest_activity_state) == kActivityWaitForSipi;
}

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

// With virtual-interrupt delivery, EOIs of level-triggered vectors must
// exit (the EOI-exit bitmap, SDM Vol. 3C 25.6.8 and 30.1.4) so the I/O
// APIC hears them: the bitmap follows the local APIC's TMR, which changes
// when a level-triggered message is accepted.
void sync_eoi_exit_bitmap(ExitContext& ctx, VirtualLapic& lapic) {
  constexpr Vmcs64 kFields[4] = {Vmcs64::eoi_exit_bitmap0, Vmcs64::eoi_exit_bitmap1, Vmcs64::eoi_exit_bitmap2,
                                 Vmcs64::eoi_exit_bitmap3};
  u64 bitmap[4];
  lapic.eoi_exit_bitmap(bitmap);
  for (u32 i = 0; i < 4; ++i) {
    if (bitmap[i] == ctx.vcpu.eoi_exit[i]) continue;
    (void)ctx.vmcs.write(kFields[i], bitmap[i]);
    ctx.vcpu.eoi_exit[i] = bitmap[i];
  }
}

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
  if (v.apicv) {
    (void)sync_guest_interrupt_status(ctx, lapic);
    sync_eoi_exit_bitmap(ctx, lapic);
  } else (void)collect_lapic_interrupt(ctx, lapic);
  next = earliest(next, v.timer_deadline);
  // What is still waiting behind the interrupt just collected has no exit
  // of its own to announce it: the 8259's next request, a local APIC vector
  // above the new PPR. Without a preemption timer a deadline is only
  // noticed at an entry, so every entry looks, as before.
  Pic8259Pair* pic = ctx.platform ? ctx.platform->pic() : nullptr;
  if ((pic && pic->has_interrupt() && takes_extint(lapic)) || (!v.apicv && lapic.pending_vector() >= 0) ||
      (v.preemption_timer == 0 && next != 0))
    lapic.attention.raise();
  return next;
}

}  // namespace

u64 prepare_virtual_pc(ExitContext& ctx) {
  // Another vCPU's INIT IPI, taken here in software: a physical INIT to a
  // vCPU that waits for SIPI stays pending (SDM Vol. 3C 25.2) and Bochs
  // turns it into endless INIT exits, so INIT IPIs travel as a host
  // interrupt and the INIT happens at this entry.
  if (ctx.lapic->take_init()) {
    // INIT of the boot vCPU resets the machine's boot processor, which then
    // runs the firmware again (SDM Vol. 3A 10.4.2); a VM has no firmware:
    // it is a reset of the VM, which its on_crash policy handles.
    if (ctx.vcpu.id == 0) {
      ctx.vm.diagnose("INIT to the boot vCPU (the guest reset itself)");
      ctx.vm.stop_reason = StopReason::reboot_requested;
      __atomic_store_n(&ctx.vm.stopped, true, __ATOMIC_RELEASE);
      return 0;
    }
    enter_wait_for_sipi(ctx);
  }
  if (waiting_for_sipi(ctx)) return 0;
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

u8 take_event(VcpuState& v) {
  if (!__atomic_load_n(&v.events_any, __ATOMIC_ACQUIRE)) return 0;
  // An exchange, not a store: a locked operation orders it before the scan
  // below (a plain store may pass the loads), which post_event's coalescing
  // relies on (vmx/core/exit_context.hpp).
  if (!__atomic_exchange_n(&v.events_any, 0u, __ATOMIC_ACQ_REL)) return 0;
  u8 taken = 0;
  for (i32 w = 7; w >= 0; --w) {
    const u32 bits = __atomic_load_n(&v.events[w], __ATOMIC_ACQUIRE);
    if (bits == 0) continue;
    const u32 bit = 31 - static_cast<u32>(__builtin_clz(bits));
    __atomic_fetch_and(&v.events[w], ~(1u << bit), __ATOMIC_ACQ_REL);
    taken = static_cast<u8>(w * 32 + static_cast<i32>(bit));
    break;
  }
  // Others may remain (or have arrived meanwhile): look again next time.
  for (u32 w = 0; w < 8; ++w)
    if (__atomic_load_n(&v.events[w], __ATOMIC_ACQUIRE) != 0) __atomic_store_n(&v.events_any, 1u, __ATOMIC_RELEASE);
  return taken;
}

void wait_for_event(ExitContext& ctx) {
  // With a local APIC, any host interrupt ends the wait (it may be an INIT,
  // which the entry path carries out); without one, only what BLOCK waits for.
  for (bool woken = false; !ctx.vm.stopped; woken = true) {
    if (has_wake_event(ctx) || __atomic_load_n(&ctx.vcpu.events_any, __ATOMIC_ACQUIRE)) break;
    if (woken && ctx.lapic) break;
    ctx.cpu.idle(ctx.lapic ? prepare_virtual_pc(ctx) : ctx.vcpu.timer_deadline);
  }
}

bool collect_expired_timer(ExitContext& ctx) {
  VcpuState& v = ctx.vcpu;
  if (v.pending_vector == 0) v.pending_vector = take_event(v);
  if (v.timer_deadline != 0 && v.pending_vector == 0 && ctx.cpu.rdtsc() >= v.timer_deadline) {
    v.pending_vector = v.timer_vector;
    v.timer_deadline = 0;
  }
  return v.pending_vector != 0;
}

void deliver_pending(ExitContext& ctx) {
  VcpuState& v = ctx.vcpu;
  // Blocking by SMI must be 0 outside SMM (SDM Vol. 3C 27.3.1.5), and
  // nucleo never runs guests in SMM (VcpuState::clear_smi_blocking).
  if (v.clear_smi_blocking) {
    const u32 blocking = ctx.vmcs.read(Vmcs32::guest_interruptibility);
    if (blocking & kBlockingBySmi) [[unlikely]]
      (void)ctx.vmcs.write(Vmcs32::guest_interruptibility, blocking & ~kBlockingBySmi);
  }
  if (ctx.lapic) {
    if (ctx.lapic->attention.take()) (void)prepare_virtual_pc(ctx);
    if (v.nmi_pending) {
      if (inject_nmi(ctx)) return;
      ctx.lapic->attention.raise();  // still pending: the next entry tries again
    }
  }
  // Wait-for-SIPI blocks every event, and VM entry refuses to inject one
  // into it (SDM Vol. 3C 27.3.1.5): events wait until the vCPU starts.
  if (waiting_for_sipi(ctx)) return;
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

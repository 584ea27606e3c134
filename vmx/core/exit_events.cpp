// SPDX-License-Identifier: MIT
// Exits about events and the vCPU's run state: exceptions and NMIs,
// external interrupts, interrupt/NMI windows, triple fault, INIT/SIPI, HLT,
// the preemption timer, and the fallback for reasons nucleo does not handle.
#include "guests/include/nucleo/hypercall.h"
#include "kernel/arch/x86_bits.hpp"
#include "vmx/core/dispatcher.hpp"
#include "vmx/core/exit_helpers.hpp"
#include "vmx/core/event_delivery.hpp"
#include "vmx/core/exit_reason.hpp"
#include "vmx/core/guest_state_init.hpp"
#include "vmx/ext/isa_exec.hpp"

namespace nucleo::vmx {

namespace {
constexpr u32 kActivityWaitForSipi = 3;  // SDM Vol. 3C 25.4.2, activity states
using x86::kRflagsIf;
}  // namespace

ExitAction handle_exception_or_nmi(ExitContext& ctx) {
  const InterruptionInfo info(ctx.vmcs.read(Vmcs32::exit_interruption_info));
  // A host NMI that arrived while the guest ran: the vCPU loop hands it to the
  // host's NMI path (vmx/hw); nothing to do for the guest.
  if (info.type() == InterruptionType::nmi) return ExitAction::resume();
  // #UD is intercepted only in VMs with extended instructions (vmx/ext).
  if (info.vector() == vec::kUd && info.type() == InterruptionType::hardware_exception && ctx.vcpu.extensions)
    return ext::handle_invalid_opcode(ctx);
  if (info.vector() == vec::kMc) {
    ctx.vm.diagnose("machine check while the guest ran (RIP {:#x})", ctx.vmcs.read(VmcsNat::guest_rip));
    return ExitAction::stop_vm(StopReason::hypervisor_error);
  }
  // Intercepted to count it: reflect the exception to the guest unchanged.
  Event e;
  e.vector = info.vector();
  e.type = static_cast<u8>(info.type());
  e.has_error_code = info.error_code_valid();
  e.error_code = ctx.vmcs.read(Vmcs32::exit_interruption_error_code);
  return ExitAction::inject(e);
}

// The host's interrupt is still pending in its local APIC (no acknowledge on
// exit): the vCPU loop opens a window for the host IDT to take it.
ExitAction handle_external_interrupt(ExitContext& ctx) {
  if (ctx.vcpu.extensions) [[unlikely]]
    ext::note_external_interrupt(ctx);
  return ExitAction::resume();
}

ExitAction handle_interrupt_window(ExitContext& ctx) {
  // The guest can take an interrupt now: close the window; the vCPU loop
  // injects what is pending (prepare_entry) or, if nothing is, it runs on.
  const u32 proc_controls = ctx.vmcs.read(Vmcs32::proc_controls);
  (void)ctx.vmcs.write(Vmcs32::proc_controls,
                       proc_controls & ~proc::kInterruptWindowExiting & ~proc::kNmiWindowExiting);
  return ExitAction::resume();
}

ExitAction handle_triple_fault(ExitContext& ctx) {
  ctx.vm.diagnose("an exception while delivering a double fault, at RIP {:#x}", ctx.vmcs.read(VmcsNat::guest_rip));
  return ExitAction::stop_vm(StopReason::triple_fault);
}

void enter_wait_for_sipi(ExitContext& ctx) {
  if (ctx.lapic) ctx.lapic->init_reset();
  ctx.vcpu.nmi_pending = false;
  ctx.vcpu.pending_vector = 0;
  (void)ctx.vmcs.write(Vmcs32::entry_interruption_info, 0);
  const u32 proc_controls = ctx.vmcs.read(Vmcs32::proc_controls);
  if (proc_controls & (proc::kInterruptWindowExiting | proc::kNmiWindowExiting))
    (void)ctx.vmcs.write(Vmcs32::proc_controls,
                         proc_controls & ~(proc::kInterruptWindowExiting | proc::kNmiWindowExiting));
  // INIT: the vCPU waits for a start-up IPI (SDM Vol. 3A 10.4.2).
  (void)ctx.vmcs.write(Vmcs32::guest_activity_state, kActivityWaitForSipi);
  __atomic_store_n(&ctx.vcpu.waiting_for_sipi, 1u, __ATOMIC_RELEASE);
}

// The vCPU leaves wait-for-SIPI in `start`: not in IA-32e mode (it may
// have run in 64-bit mode before its INIT), registers cleared, and its time
// slice starts now. `what` names the cause in a diagnostic.
ExitAction leave_wait_for_sipi(ExitContext& ctx, const GuestStart& start, const char* what) {
  __atomic_store_n(&ctx.vcpu.waiting_for_sipi, 0u, __ATOMIC_RELEASE);
  // write_guest_state also clears the IA-32e mode guest entry control.
  const Error e = write_guest_state(ctx.vmcs, ctx.caps, start);
  if (!e.ok()) {
    ctx.vm.diagnose("{}: cannot write the start state: {}", what, e.what);
    return ExitAction::stop_vm(StopReason::hypervisor_error);
  }
  ctx.regs = GuestRegs{};
  if (ctx.vcpu.preemption_timer != 0)
    (void)ctx.vmcs.write(Vmcs32::guest_preemption_timer, static_cast<u32>(ctx.vcpu.preemption_timer));
  return ExitAction::resume();
}

// NUCLEO_HC_VCPU_START: another vCPU asked this one, waiting for SIPI, to
// start at an entry in the boot vCPU's state (docs/hypercalls.md).
ExitAction start_requested_vcpu(ExitContext& ctx) {
  __atomic_store_n(&ctx.vcpu.start_requested, 0u, __ATOMIC_RELAXED);
  GuestStart start;
  start.mode = GuestStart::Mode::protected32;
  start.rip = ctx.vcpu.start_entry;
  const ExitAction action = leave_wait_for_sipi(ctx, start, "VCPU_START");
  ctx.regs.rax = NUCLEO_HC_VCPU_START_MAGIC;
  ctx.regs.rbx = ctx.vcpu.start_arg;
  return action;
}

ExitAction handle_init_sipi(ExitContext& ctx) {
  if (ctx.basic_reason == static_cast<u32>(ExitReason::init_signal)) {
    // With a virtual local APIC, INIT signals are how another vCPU's INIT
    // IPI reaches this core; one the local APIC did not take is stale (it
    // was held pending while the vCPU already waited for SIPI, SDM Vol. 3C
    // 25.2) and is dropped.
    if (ctx.lapic && !ctx.lapic->take_init()) return ExitAction::resume();
    enter_wait_for_sipi(ctx);
    return ExitAction::resume();
  }
  // SIPI: real mode at vector << 12, i.e. CS = vector << 8, IP = 0 (10.4.4).
  auto vector = static_cast<u16>(ctx.qualification & 0xFF);
  if (__atomic_load_n(&ctx.vcpu.start_requested, __ATOMIC_ACQUIRE)) return start_requested_vcpu(ctx);
  if (ctx.lapic) {
    // The local APIC's record is the guest's SIPI (the physical one that
    // caused the exit carries the same vector, or is a stop kick); an INIT
    // flag still set was sent while the vCPU already waited.
    u8 sipi = 0;
    if (!ctx.lapic->take_sipi(sipi)) return ExitAction::resume();  // no SIPI from the guest: keep waiting
    (void)ctx.lapic->take_init();
    vector = sipi;
    __atomic_store_n(&ctx.vcpu.started, 1u, __ATOMIC_RELEASE);
  }
  GuestStart start;
  start.mode = GuestStart::Mode::real;
  start.real_cs = static_cast<u16>(vector << 8);
  return leave_wait_for_sipi(ctx, start, "SIPI");
}

// HLT with a virtual PC: the vCPU sleeps in the hypervisor (its core has
// nothing else to run) until something would wake the halted processor: an
// interrupt it can take, an NMI; a host interrupt (another vCPU's IPI
// kick, an INIT) ends the wait too and lets the entry path look.
ExitAction halt_virtual_pc(ExitContext& ctx) {
  ext::note_hlt(ctx);
  const bool interruptible = ctx.vmcs.read(VmcsNat::guest_rflags) & kRflagsIf;
  for (bool woken = false; !ctx.vm.stopped; woken = true) {
    const bool event = has_wake_event(ctx);
    if (ctx.vcpu.nmi_pending || (interruptible && event) || woken) break;
    ctx.cpu.idle(prepare_virtual_pc(ctx));
  }
  return ExitAction::advance();
}

ExitAction handle_hlt(ExitContext& ctx) {
  if (ctx.lapic) return halt_virtual_pc(ctx);
  // With interrupts off only NMI, SMI or INIT could wake it; none will come.
  if (!(ctx.vmcs.read(VmcsNat::guest_rflags) & kRflagsIf)) {
    ctx.vm.diagnose("HLT with interrupts disabled at RIP {:#x}: the vCPU can never wake",
                    ctx.vmcs.read(VmcsNat::guest_rip));
    return ExitAction::stop_vm(StopReason::halted_forever);
  }
  // Interrupts on and the one-shot timer armed: wait for it here (static
  // partitioning: this core has nothing else to run), then the vCPU loop
  // injects its vector at the next entry, which wakes the guest.
  // So is a vCPU of a VM with several: another one's event can wake it.
  if (ctx.vcpu.timer_deadline != 0 || ctx.vcpu.pending_vector != 0 || ctx.vcpu.vcpu_count > 1 ||
      __atomic_load_n(&ctx.vcpu.events_any, __ATOMIC_ACQUIRE)) {
    wait_for_event(ctx);
    return ExitAction::advance();
  }
  // Nothing can wake it yet (no virtual APIC): HLT returns at once, like a
  // wake-up by a spurious interrupt.
  return ExitAction::advance();
}

ExitAction handle_preemption_timer(ExitContext& ctx) {
  // The timer slices the vCPU; re-arm it and let the guest run on.
  (void)ctx.vmcs.write(Vmcs32::guest_preemption_timer, static_cast<u32>(ctx.vcpu.preemption_timer));
  return ExitAction::resume();
}

ExitAction handle_unknown(ExitContext& ctx) {
  ctx.vm.diagnose("unhandled VM exit {} ({}), qualification {:#x}, RIP {:#x}", ctx.basic_reason,
                  exit_reason_name(ctx.basic_reason), ctx.qualification, ctx.vmcs.read(VmcsNat::guest_rip));
  return ExitAction::stop_vm(StopReason::unhandled_exit);
}

}  // namespace nucleo::vmx

// SPDX-License-Identifier: MIT
#include "vmx/core/dispatcher.hpp"

#include "vmx/core/exit_info.hpp"
#include "vmx/core/exit_reason.hpp"

namespace nucleo::vmx {

namespace {

struct HandlerTable {
  ExitHandler by_reason[kExitReasonCount] = {};
  constexpr HandlerTable() {
    auto set = [this](ExitReason r, ExitHandler h) { by_reason[static_cast<u16>(r)] = h; };
    set(ExitReason::exception_or_nmi, handle_exception_or_nmi);
    set(ExitReason::external_interrupt, handle_external_interrupt);
    set(ExitReason::triple_fault, handle_triple_fault);
    set(ExitReason::init_signal, handle_init_sipi);
    set(ExitReason::sipi, handle_init_sipi);
    set(ExitReason::interrupt_window, handle_interrupt_window);
    set(ExitReason::nmi_window, handle_interrupt_window);
    set(ExitReason::cpuid, handle_cpuid);
    set(ExitReason::hlt, handle_hlt);
    set(ExitReason::invd, handle_cache_flush);
    set(ExitReason::wbinvd, handle_cache_flush);
    set(ExitReason::vmcall, handle_vmcall);
    const ExitReason vmx_instructions[] = {
        ExitReason::vmclear, ExitReason::vmlaunch, ExitReason::vmptrld, ExitReason::vmptrst, ExitReason::vmread,
        ExitReason::vmresume, ExitReason::vmwrite, ExitReason::vmxoff, ExitReason::vmxon, ExitReason::invept,
        ExitReason::invvpid, ExitReason::vmfunc, ExitReason::getsec};
    for (ExitReason r : vmx_instructions) set(r, handle_vmx_instruction);
    set(ExitReason::cr_access, handle_cr_access);
    set(ExitReason::io_instruction, handle_io);
    set(ExitReason::rdmsr, handle_rdmsr);
    set(ExitReason::wrmsr, handle_wrmsr);
    set(ExitReason::ept_violation, handle_ept_violation);
    set(ExitReason::ept_misconfiguration, handle_ept_misconfiguration);
    set(ExitReason::preemption_timer, handle_preemption_timer);
    set(ExitReason::xsetbv, handle_xsetbv);
  }
};
constexpr HandlerTable kHandlers;

// Exits whose qualification the SDM leaves undefined or nucleo's handlers
// never read (SDM Vol. 3C 28.2.1): skipping that VMREAD shortens the most
// frequent exits.
struct NoQualification {
  bool by_reason[kExitReasonCount] = {};
  constexpr NoQualification() {
    const ExitReason reasons[] = {
        ExitReason::external_interrupt, ExitReason::triple_fault,     ExitReason::interrupt_window,
        ExitReason::nmi_window,         ExitReason::cpuid,            ExitReason::hlt,
        ExitReason::invd,               ExitReason::vmcall,           ExitReason::rdmsr,
        ExitReason::wrmsr,              ExitReason::preemption_timer, ExitReason::wbinvd,
        ExitReason::xsetbv};
    for (ExitReason r : reasons) by_reason[static_cast<u16>(r)] = true;
  }
};
constexpr NoQualification kNoQualification;


}  // namespace

void decode_exit(ExitContext& ctx) {
  const ExitReasonField reason(ctx.vmcs.read(Vmcs32::exit_reason));
  ctx.basic_reason = reason.basic();
  ctx.entry_failure = reason.entry_failure();
  const bool skip = ctx.basic_reason < kExitReasonCount && kNoQualification.by_reason[ctx.basic_reason];
  ctx.qualification = skip ? 0 : ctx.vmcs.read(VmcsNat::exit_qualification);
  ctx.instruction_length = ctx.vmcs.read(Vmcs32::exit_instruction_length);
}

ExitAction dispatch(ExitContext& ctx) {
  const ExitHandler h = ctx.basic_reason < kExitReasonCount ? kHandlers.by_reason[ctx.basic_reason] : nullptr;
  return h ? h(ctx) : handle_unknown(ctx);
}

bool apply(ExitContext& ctx, const ExitAction& action) {
  switch (action.kind) {
    case ExitAction::Kind::resume:
      return true;
    case ExitAction::Kind::advance: {
      // The instruction retired: step over it, and the interrupt shadow of a
      // preceding STI or MOV SS ends with it (SDM Vol. 3A 7.8.3).
      (void)ctx.vmcs.write(VmcsNat::guest_rip, ctx.vmcs.read(VmcsNat::guest_rip) + ctx.instruction_length);
      const u32 blocking = ctx.vmcs.read(Vmcs32::guest_interruptibility);
      if (blocking & (kBlockingBySti | kBlockingByMovSs))
        (void)ctx.vmcs.write(Vmcs32::guest_interruptibility, blocking & ~(kBlockingBySti | kBlockingByMovSs));
      return true;
    }
    case ExitAction::Kind::inject: {
      Event e = action.event;
      const auto type = static_cast<InterruptionType>(e.type);
      // Real mode (unrestricted guest, CR0.PE = 0) pushes no error codes, and
      // VM entry refuses to deliver one there (SDM Vol. 3C 27.2.1.3).
      if (e.has_error_code && !(ctx.vmcs.read(VmcsNat::guest_cr0) & 1)) e.has_error_code = false;
      const InterruptionInfo info = InterruptionInfo::make(e.vector, type, e.has_error_code);
      (void)ctx.vmcs.write(Vmcs32::entry_interruption_info, info.raw);
      if (e.has_error_code) (void)ctx.vmcs.write(Vmcs32::entry_exception_error_code, e.error_code);
      // Software exceptions and interrupts resume after the instruction
      // (27.6.1.1): entry needs its length.
      if (type == InterruptionType::software_exception || type == InterruptionType::software_interrupt ||
          type == InterruptionType::privileged_software_exception)
        (void)ctx.vmcs.write(Vmcs32::entry_instruction_length, ctx.instruction_length);
      return true;
    }
    case ExitAction::Kind::stop:
      ctx.vm.stopped = true;
      ctx.vm.stop_reason = action.stop;
      ctx.vm.exit_code = action.exit_code;
      return false;
  }
  return false;
}

}  // namespace nucleo::vmx

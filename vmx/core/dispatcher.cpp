// SPDX-License-Identifier: MIT
#include "vmx/core/dispatcher.hpp"

namespace nucleo::vmx {

namespace {

// For exits whose qualification the SDM leaves undefined or nucleo's
// handlers never read (SDM Vol. 3C 28.2.1). Adding a handler is one set()
// line below; its exits read the qualification unless it says otherwise.
constexpr bool kQualificationUnused = false;

// Exits that cannot change what the local APIC or the virtual PC must
// deliver (ExitRoute::quiet): their own state (CPUID view, MSRs other than
// the APIC's, which WRMSR covers, CR0/CR3/CR4, XCR0, caches), hypercalls
// (whose events and timers are VcpuState's, checked at every entry, and
// whose interrupts to local APICs raise the attention in accept()), and
// port I/O (the virtual PC's devices that matter raise vCPU 0's attention
// themselves: PcPlatform::Watched).
constexpr ExitReason kQuietExits[] = {ExitReason::cpuid,  ExitReason::vmcall,    ExitReason::rdmsr,
                                      ExitReason::xsetbv, ExitReason::invd,      ExitReason::wbinvd,
                                      ExitReason::cr_access, ExitReason::io_instruction};

constexpr ExitRouteTable make_routes() {
  ExitRouteTable t;
  auto set = [&t](ExitReason r, ExitHandler h, bool reads_qualification = true) {
    t.by_reason[static_cast<u16>(r)] = ExitRoute{h, reads_qualification, false};
  };
  for (ExitRoute& route : t.by_reason) route = ExitRoute{handle_unknown, true, false};
  set(ExitReason::exception_or_nmi, handle_exception_or_nmi);
  set(ExitReason::external_interrupt, handle_external_interrupt, kQualificationUnused);
  set(ExitReason::triple_fault, handle_triple_fault, kQualificationUnused);
  set(ExitReason::init_signal, handle_init_sipi);
  set(ExitReason::sipi, handle_init_sipi);
  set(ExitReason::interrupt_window, handle_interrupt_window, kQualificationUnused);
  set(ExitReason::nmi_window, handle_interrupt_window, kQualificationUnused);
  set(ExitReason::cpuid, handle_cpuid, kQualificationUnused);
  set(ExitReason::hlt, handle_hlt, kQualificationUnused);
  set(ExitReason::invd, handle_cache_flush, kQualificationUnused);
  set(ExitReason::wbinvd, handle_cache_flush, kQualificationUnused);
  set(ExitReason::vmcall, handle_vmcall, kQualificationUnused);
  const ExitReason vmx_instructions[] = {
      ExitReason::vmclear, ExitReason::vmlaunch, ExitReason::vmptrld, ExitReason::vmptrst, ExitReason::vmread,
      ExitReason::vmresume, ExitReason::vmwrite, ExitReason::vmxoff, ExitReason::vmxon, ExitReason::invept,
      ExitReason::invvpid, ExitReason::vmfunc, ExitReason::getsec};
  for (ExitReason r : vmx_instructions) set(r, handle_vmx_instruction);
  set(ExitReason::cr_access, handle_cr_access);
  set(ExitReason::io_instruction, handle_io);
  set(ExitReason::rdmsr, handle_rdmsr, kQualificationUnused);
  set(ExitReason::wrmsr, handle_wrmsr, kQualificationUnused);
  set(ExitReason::ept_violation, handle_ept_violation);
  set(ExitReason::ept_misconfiguration, handle_ept_misconfiguration);
  set(ExitReason::preemption_timer, handle_preemption_timer, kQualificationUnused);
  set(ExitReason::xsetbv, handle_xsetbv, kQualificationUnused);
  set(ExitReason::apic_access, handle_apic_access_exit);
  set(ExitReason::virtualized_eoi, handle_virtualized_eoi_exit);
  set(ExitReason::apic_write, handle_apic_write_exit);
  for (ExitReason r : kQuietExits) t.by_reason[static_cast<u16>(r)].quiet = true;
  return t;
}

}  // namespace

constexpr ExitRouteTable kExitRoutes = make_routes();

bool apply_other(ExitContext& ctx, const ExitAction& action) {
  switch (action.kind) {
    case ExitAction::Kind::resume:
      return true;
    case ExitAction::Kind::advance:
      return apply(ctx, ctx.vmcs, action);
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

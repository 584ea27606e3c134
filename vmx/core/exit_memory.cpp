// SPDX-License-Identifier: MIT
// EPT violations (48) and misconfigurations (49). The VM's EPT maps its RAM
// only, so a violation is an access outside the VM (or a write to a page a
// migration holds read-only, retried) or to the I/O APIC's page, which is
// emulated (exit_ioapic.cpp); anything else stops the VM with the address,
// the access and RIP, and nothing outside it was touched. Qualification: SDM Vol. 3C Table 28-7.
#include "vmx/core/dispatcher.hpp"
#include "vmx/core/exit_helpers.hpp"

namespace nucleo::vmx {

ExitAction handle_ept_violation(ExitContext& ctx) {
  const EptViolationQual q(ctx.qualification);
  const u64 gpa = ctx.vmcs.read(Vmcs64::guest_physical_address);
  // A page migration write-protects the page while it copies it
  // (vmx/hw/page_migration.cpp): the write runs again once the page is
  // writable at its new frame (a violation after the move completed but
  // before this vCPU's translations were invalidated ends the same way).
  if (q.write() && ctx.vm.write_blocked_by_migration(gpa)) return ExitAction::resume();
  if (!q.fetch() && is_ioapic_access(ctx, gpa)) return handle_ioapic_access(ctx, gpa, q.write());
  const char* access = q.fetch() ? "instruction fetch" : q.write() ? "write" : "read";
  ctx.vm.diagnose("{} of guest-physical {:#x} outside the VM's RAM (0-{:#x}) at RIP {:#x}", access, gpa,
                  ctx.vm.ram_size - 1, ctx.vmcs.read(VmcsNat::guest_rip));
  return ExitAction::stop_vm(StopReason::bad_memory_access);
}

ExitAction handle_ept_misconfiguration(ExitContext& ctx) {
  ctx.vm.diagnose("EPT misconfiguration at guest-physical {:#x}: a hypervisor bug in the VM's EPT",
                  ctx.vmcs.read(Vmcs64::guest_physical_address));
  return ExitAction::stop_vm(StopReason::hypervisor_error);
}

}  // namespace nucleo::vmx

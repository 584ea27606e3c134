// SPDX-License-Identifier: MIT
// Control-register accesses (exit reason 28). Only bits the hypervisor owns
// (CR0/CR4 guest/host masks) make MOV to CR0/CR4 exit: the guest's value is
// kept in the read shadow, the real register gets the value VMX requires
// (SDM Vol. 3C 26.3 "Changes to instruction behavior in VMX non-root
// operation", 25.6.6 masks and shadows). Qualification: Table 28-3.
#include "kernel/arch/x86_bits.hpp"
#include "vmx/core/dispatcher.hpp"
#include "vmx/core/exit_helpers.hpp"

namespace nucleo::vmx {

namespace {

using namespace x86;

ExitAction write_cr0(ExitContext& ctx, u64 value) {
  // MOV to CR0 #GPs on reserved bits, PG without PE, NW without CD (SDM Vol.
  // 3A 2.5, "MOV - Move to/from Control Registers").
  if ((value >> 32) != 0 || ((value & kCr0Pg) && !(value & kCr0Pe)) || ((value & kCr0Nw) && !(value & kCr0Cd)))
    return inject_gp();
  const u64 mask = ctx.vmcs.read(VmcsNat::cr0_guest_host_mask);
  const u64 real = ctx.vmcs.read(VmcsNat::guest_cr0);
  // This MOV is emulated, so the CPU does not switch IA-32e mode itself:
  // turning paging on with EFER.LME activates it (EFER.LMA and the entry
  // control), turning it off leaves it (SDM Vol. 3A 10.8.5, 10.8.5.4).
  const bool paging_was = real & kCr0Pg, paging_now = value & kCr0Pg;
  if (paging_was != paging_now) {
    const u64 efer = ctx.vmcs.read(Vmcs64::guest_efer);
    const u32 entry = ctx.vmcs.read(Vmcs32::entry_controls);
    if (paging_now && (efer & kEferLme)) {
      if (!(ctx.vmcs.read(VmcsNat::guest_cr4) & kCr4Pae)) return inject_gp();
      (void)ctx.vmcs.write(Vmcs64::guest_efer, efer | kEferLma);
      (void)ctx.vmcs.write(Vmcs32::entry_controls, entry | entry_ctl::kIa32eModeGuest);
    } else if (!paging_now && (efer & kEferLma)) {
      (void)ctx.vmcs.write(Vmcs64::guest_efer, efer & ~kEferLma);
      (void)ctx.vmcs.write(Vmcs32::entry_controls, entry & ~entry_ctl::kIa32eModeGuest);
    }
  }
  (void)ctx.vmcs.write(VmcsNat::cr0_read_shadow, value);
  (void)ctx.vmcs.write(VmcsNat::guest_cr0, (value & ~mask) | (real & mask));
  return ExitAction::advance();
}

ExitAction write_cr4(ExitContext& ctx, u64 value) {
  // The VM has no VMX (CPUID hides it): CR4.VMXE is reserved to it.
  if (value & kCr4Vmxe) return inject_gp();
  const u64 mask = ctx.vmcs.read(VmcsNat::cr4_guest_host_mask);
  // Other owned bits are the ones VMX forbids: reserved for the guest too.
  const u64 real = ctx.vmcs.read(VmcsNat::guest_cr4);
  if ((value & mask) & ~(real & mask) & ~kCr4Vmxe) return inject_gp();
  (void)ctx.vmcs.write(VmcsNat::cr4_read_shadow, value);
  (void)ctx.vmcs.write(VmcsNat::guest_cr4, (value & ~mask) | (real & mask));
  return ExitAction::advance();
}

}  // namespace

ExitAction handle_cr_access(ExitContext& ctx) {
  const CrAccessQual q(ctx.qualification);
  switch (q.access_type()) {
    case CrAccessType::mov_to_cr: {
      // RSP is not in GuestRegs: it lives in the VMCS.
      const u64 value = q.gpr() == 4 ? ctx.vmcs.read(VmcsNat::guest_rsp) : ctx.regs.get(q.gpr());
      if (q.cr() == 0) return write_cr0(ctx, value);
      if (q.cr() == 4) return write_cr4(ctx, value);
      if (q.cr() == 8) {  // TPR: bits 3:0, the rest reserved (SDM Vol. 3A 2.5)
        if (value & ~u64{0xF}) return inject_gp();
        ctx.vcpu.tpr = value;
        return ExitAction::advance();
      }
      break;
    }
    case CrAccessType::lmsw: {
      // LMSW writes CR0[3:0] but cannot clear PE (SDM Vol. 2A, LMSW).
      const u64 shadow = ctx.vmcs.read(VmcsNat::cr0_read_shadow);
      const u64 value = (shadow & ~u64{0xE}) | (q.lmsw_source() & 0xF) | (shadow & kCr0Pe);
      return write_cr0(ctx, value);
    }
    case CrAccessType::clts:
      return write_cr0(ctx, ctx.vmcs.read(VmcsNat::cr0_read_shadow) & ~kCr0Ts);
    case CrAccessType::mov_from_cr:
      if (q.cr() == 8) {
        if (q.gpr() == 4) (void)ctx.vmcs.write(VmcsNat::guest_rsp, ctx.vcpu.tpr);  // RSP is in the VMCS
        else ctx.regs.set(q.gpr(), ctx.vcpu.tpr);
        return ExitAction::advance();
      }
      break;
  }
  ctx.vm.diagnose("control-register access nucleo does not intercept: qualification {:#x}", ctx.qualification);
  return ExitAction::stop_vm(StopReason::unhandled_exit);
}

}  // namespace nucleo::vmx

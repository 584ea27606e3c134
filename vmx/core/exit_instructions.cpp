// SPDX-License-Identifier: MIT
// Instructions that exit unconditionally or by control: XSETBV (55),
// INVD/WBINVD (13, 54), and the VMX instructions (18-27, 50, 53, 59) which
// the VM does not have (CPUID hides VMX): #UD, as on a CPU without VMX.
#include "vmx/core/dispatcher.hpp"
#include "vmx/core/exit_helpers.hpp"
#include "vmx/core/xsave.hpp"

namespace nucleo::vmx {

ExitAction handle_xsetbv(ExitContext& ctx) {
  // SDM Vol. 2C, XSETBV: #UD without XSAVE or with CR4.OSXSAVE = 0 (the CPU
  // checks that before the exit, SDM Vol. 3C 26.1.1; checked again here, the
  // host must never load a value its own CPU would refuse); #GP(0) at CPL > 0,
  // for ECX != 0 (XCR0 is the only writable XCR) and for any value the VM's
  // XCR0 mask and the rules of SDM Vol. 1 13.3 refuse (vmx/core/xsave.hpp).
  // The mask is this vCPU's, computed once from its CPUID view: nothing here
  // asks the host's CPUID.
  constexpr u64 kCr4Osxsave = u64{1} << 18;
  const u64 mask = ctx.vcpu.cpuid.xsave.xcr0_mask;
  if (mask == 0 || !(ctx.vmcs.read(VmcsNat::guest_cr4) & kCr4Osxsave)) return inject_ud();
  const u64 value = (ctx.regs.rdx & 0xFFFFFFFF) << 32 | (ctx.regs.rax & 0xFFFFFFFF);
  if (guest_cpl(ctx) != 0 || static_cast<u32>(ctx.regs.rcx) != 0) return inject_gp();
  if (!xcr0_allowed(value, mask)) return inject_gp();
  ctx.cpu.xsetbv(0, value);  // one vCPU per core: the guest's XCR0 is this core's
  ctx.vcpu.xcr0 = value;
  return ExitAction::advance();
}

ExitAction handle_cache_flush(ExitContext&) {
  // INVD and WBINVD retire without touching the caches. Executing either
  // for the guest would write back or drop the lines of every VM sharing
  // them (INVD even loses their dirty data), and a VM of nucleo has no
  // device that bypasses the cache (no non-coherent DMA), so the guest
  // cannot tell (SDM Vol. 2A INVD/WBINVD; WBINVD exiting is required,
  // proc2::kRequired).
  return ExitAction::advance();
}

ExitAction handle_vmx_instruction(ExitContext&) { return inject_ud(); }

}  // namespace nucleo::vmx

// SPDX-License-Identifier: MIT
// Instructions that exit unconditionally or by control: XSETBV (55),
// INVD/WBINVD (13, 54), and the VMX instructions (18-27, 50, 53, 59) which
// the VM does not have (CPUID hides VMX): #UD, as on a CPU without VMX.
#include "vmx/core/dispatcher.hpp"
#include "vmx/core/exit_helpers.hpp"

namespace nucleo::vmx {

ExitAction handle_xsetbv(ExitContext& ctx) {
  // SDM Vol. 2C, XSETBV: #GP if CPL > 0, ECX != 0, bit 0 clear, bits the CPU
  // does not support, AVX without SSE, or AVX-512 state bits not all equal
  // or without AVX.
  const u64 value = (ctx.regs.rdx & 0xFFFFFFFF) << 32 | (ctx.regs.rax & 0xFFFFFFFF);
  if (guest_cpl(ctx) != 0 || static_cast<u32>(ctx.regs.rcx) != 0) return inject_gp();
  const CpuidValues xsave = ctx.cpu.cpuid(0xD, 0);
  const u64 supported = static_cast<u64>(xsave.edx) << 32 | xsave.eax;
  const u64 avx512 = 0xE0;
  if (!(value & 1) || (value & ~supported) || ((value & 4) && !(value & 2)) ||
      ((value & avx512) && (value & avx512) != avx512) || ((value & avx512) && !(value & 4)))
    return inject_gp();
  ctx.cpu.xsetbv(0, value);  // one vCPU per core: the guest's XCR0 is this core's
  ctx.vcpu.xcr0 = value;
  return ExitAction::advance();
}

ExitAction handle_cache_flush(ExitContext& ctx) {
  // INVD would drop dirty lines of memory that is not the guest's: do WBINVD.
  ctx.cpu.wbinvd();
  return ExitAction::advance();
}

ExitAction handle_vmx_instruction(ExitContext&) { return inject_ud(); }

}  // namespace nucleo::vmx

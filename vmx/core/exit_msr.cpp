// SPDX-License-Identifier: MIT
// RDMSR/WRMSR (exit reasons 31, 32). Only MSRs outside the pass-through list
// of the MSR bitmap (vmx/hw/vcpu.cpp) exit. Those the VM has are emulated
// here, in msr_platform.cpp (the MSRs behind the virtual CPU's CPUID bits,
// docs/virtual-cpu.md) and by the local APIC model; the VMX capability
// MSRs and every unknown MSR raise #GP(0), as on a CPU without them (SDM
// Vol. 4 lists the architectural MSRs).
#include "kernel/arch/x86_bits.hpp"
#include "vmx/core/dispatcher.hpp"
#include "vmx/core/exit_helpers.hpp"
#include "vmx/core/vcpu_msrs.hpp"
#include "vmx/ext/isa_exec.hpp"

namespace nucleo::vmx {

namespace {

constexpr u32 kPlatformId = 0x17, kApicBase = 0x1B, kFeatureControl = 0x3A, kBiosSignId = 0x8B;
constexpr u32 kPat = 0x277, kEfer = 0xC0000080;

// EFER bits a guest may set: SCE (0), LME (8), NXE (11); LMA (10) is the
// CPU's (SDM Vol. 3A 2.2.1). Anything else #GPs as on hardware without it.
constexpr u64 kEferWritable = x86::kEferSce | x86::kEferLme | x86::kEferNxe;
using x86::kEferLma;

// PAT: each byte a memory type 0, 1, 4, 5, 6 or 7 (SDM Vol. 3A 13.12.2).
bool valid_pat(u64 pat) {
  for (int i = 0; i < 8; ++i) {
    const u64 t = (pat >> (8 * i)) & 0xFF;
    if (t == 2 || t == 3 || t > 7) return false;
  }
  return true;
}

// APIC base: enable (11), BSP (8, read-only), base 12+. x2APIC enable (10)
// is reserved here: CPUID hides x2APIC from the VM.
bool valid_apic_base(u64 v) { return (v & 0xFF) == 0 && (v & (3u << 9)) == 0 && (v >> 36) == 0; }

// IA32_APIC_BASE, IA32_TSC_DEADLINE and the x2APIC MSRs of a VM with a
// virtual local APIC are the model's (kernel/virt/lapic/lapic_msr.cpp).
bool lapic_owns(const ExitContext& ctx, u32 msr) { return ctx.lapic && VirtualLapic::handles_msr(msr); }

ExitAction lapic_rdmsr(ExitContext& ctx, u32 msr) {
  const LapicMsrResult r = ctx.lapic->rdmsr(msr);
  if (r.gp) return inject_gp();
  ctx.regs.rax = r.value & 0xFFFFFFFF;
  ctx.regs.rdx = r.value >> 32;
  return ExitAction::advance();
}

}  // namespace

ExitAction handle_rdmsr(ExitContext& ctx) {
  const auto msr = static_cast<u32>(ctx.regs.rcx);
  if (lapic_owns(ctx, msr)) return lapic_rdmsr(ctx, msr);
  u64 value = 0;
  const MsrStatus platform = platform_rdmsr(ctx, msr, value);
  if (platform == MsrStatus::gp) return inject_gp();
  if (platform == MsrStatus::not_mine) {
    switch (msr) {
      case kPlatformId:
      case kBiosSignId: value = 0; break;
      case kApicBase: value = ctx.vcpu.apic_base | (ctx.vcpu.id == 0 ? 1u << 8 : 0u); break;
      case kFeatureControl: value = 1; break;  // locked, VMX off: the VM has no VMX
      case kPat: value = ctx.vmcs.read(Vmcs64::guest_pat); break;
      case kEfer: value = ctx.vmcs.read(Vmcs64::guest_efer); break;
      default: return inject_gp();
    }
  }
  ctx.regs.rax = value & 0xFFFFFFFF;
  ctx.regs.rdx = value >> 32;
  return ExitAction::advance();
}

ExitAction handle_wrmsr(ExitContext& ctx) {
  const auto msr = static_cast<u32>(ctx.regs.rcx);
  const u64 value = (ctx.regs.rdx & 0xFFFFFFFF) << 32 | (ctx.regs.rax & 0xFFFFFFFF);
  if (lapic_owns(ctx, msr)) {
    if (msr == vlapic::kMsrX2apicFirst + (vlapic::kIcrLow >> 4) && ctx.vcpu.extensions) ext::note_icr_write(ctx, value);
    return ctx.lapic->wrmsr(msr, value).gp ? inject_gp() : ExitAction::advance();
  }
  switch (platform_wrmsr(ctx, msr, value)) {
    case MsrStatus::done: return ExitAction::advance();
    case MsrStatus::gp: return inject_gp();
    case MsrStatus::not_mine: break;
  }
  switch (msr) {
    case kBiosSignId:
      return ExitAction::advance();  // accepted, no effect
    case kApicBase:
      if (!valid_apic_base(value)) return inject_gp();
      ctx.vcpu.apic_base = value & ~u64{1u << 8};
      return ExitAction::advance();
    case kPat:
      if (!valid_pat(value)) return inject_gp();
      (void)ctx.vmcs.write(Vmcs64::guest_pat, value);
      return ExitAction::advance();
    case kEfer: {
      if (value & ~(kEferWritable | kEferLma)) return inject_gp();
      const u64 lma = ctx.vmcs.read(Vmcs64::guest_efer) & kEferLma;
      (void)ctx.vmcs.write(Vmcs64::guest_efer, (value & kEferWritable) | lma);
      return ExitAction::advance();
    }
    default:  // including IA32_FEATURE_CONTROL and the VMX capability MSRs
      return inject_gp();
  }
}

}  // namespace nucleo::vmx

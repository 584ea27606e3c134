// SPDX-License-Identifier: MIT
// CPUID leaves and bits: SDM Vol. 2A, "CPUID - CPU Identification".
#include "vmx/core/exit_cpuid.hpp"

#include "guests/include/nucleo/hypercall.h"
#include "vmx/core/dispatcher.hpp"

namespace nucleo::vmx {

namespace {

// Leaf 1 ECX: MONITOR (3), VMX (5), SMX (6), x2APIC (21), TSC-deadline (24)
// hidden: the VM has no MONITOR/MWAIT, no VMX, no local APIC yet.
constexpr u32 kLeaf1EcxHidden = (1u << 3) | (1u << 5) | (1u << 6) | (1u << 21) | (1u << 24);
constexpr u32 kLeaf1EcxHypervisor = 1u << 31;
// Leaf 1 EDX: APIC (9), MTRR (12), ACPI thermal (22) hidden: not emulated.
constexpr u32 kLeaf1EdxHidden = (1u << 9) | (1u << 12) | (1u << 22);
// Leaf 7 EDX: IBRS/IBPB (26), STIBP (27), L1D_FLUSH (28), ARCH_CAPABILITIES
// (29), SSBD (31): their MSRs would #GP in the VM.
constexpr u32 kLeaf7EdxHidden = (1u << 26) | (1u << 27) | (1u << 28) | (1u << 29) | (1u << 31);

u32 bits_for(u32 count) {  // x2APIC ID shift wide enough for count IDs
  u32 bits = 0;
  while ((1u << bits) < count) ++bits;
  return bits;
}

}  // namespace

CpuidValues guest_cpuid(CpuAccess& cpu, u32 leaf, u32 subleaf, const VcpuState& vcpu) {
  if (leaf == NUCLEO_CPUID_SIGNATURE_LEAF)
    return {NUCLEO_CPUID_INFO_LEAF, NUCLEO_CPUID_SIGNATURE_EBX, NUCLEO_CPUID_SIGNATURE_ECX, NUCLEO_CPUID_SIGNATURE_EDX};
  if (leaf == NUCLEO_CPUID_INFO_LEAF) return {NUCLEO_HC_ABI_VERSION, 0, 0, 0};
  if (leaf > NUCLEO_CPUID_INFO_LEAF && leaf <= 0x4FFFFFFF) return {};

  CpuidValues r = cpu.cpuid(leaf, subleaf);
  switch (leaf) {
    case 1:
      r.ecx = (r.ecx & ~kLeaf1EcxHidden) | kLeaf1EcxHypervisor;
      r.edx &= ~kLeaf1EdxHidden;
      // EBX[31:24] initial APIC ID, [23:16] logical processors per package.
      r.ebx = (r.ebx & 0x0000FFFF) | (vcpu.id << 24) | ((vcpu.vcpu_count & 0xFF) << 16);
      if (vcpu.vcpu_count > 1) r.edx |= 1u << 28;  // HTT: the count above is valid
      break;
    case 4:  // cores per package - 1 in EAX[31:26]
      r.eax = (r.eax & 0x03FFFFFF) | (((vcpu.vcpu_count - 1) & 0x3F) << 26);
      break;
    case 5:
    case 0xA:  // no MONITOR/MWAIT, no PMU
      return {};
    case 7:
      if (subleaf == 0) r.edx &= ~kLeaf7EdxHidden;
      break;
    case 0xB:
    case 0x1F:  // topology: one thread per core, vcpu_count cores
      if (subleaf == 0) return {0, 1, (1u << 8) | subleaf, vcpu.id};
      if (subleaf == 1) return {bits_for(vcpu.vcpu_count), vcpu.vcpu_count, (2u << 8) | subleaf, vcpu.id};
      return {0, 0, subleaf, vcpu.id};
    default:
      break;
  }
  return r;
}

ExitAction handle_cpuid(ExitContext& ctx) {
  const auto leaf = static_cast<u32>(ctx.regs.rax);
  CpuidValues r = guest_cpuid(ctx.cpu, leaf, static_cast<u32>(ctx.regs.rcx), ctx.vcpu);
  if (leaf == 1) {  // ECX[27] OSXSAVE reflects the guest's CR4.OSXSAVE, not the host's
    constexpr u32 kOsxsave = 1u << 27;
    const bool guest_osxsave = (ctx.vmcs.read(VmcsNat::guest_cr4) >> 18) & 1;
    r.ecx = guest_osxsave ? (r.ecx | kOsxsave) : (r.ecx & ~kOsxsave);
  }
  ctx.regs.rax = r.eax;
  ctx.regs.rbx = r.ebx;
  ctx.regs.rcx = r.ecx;
  ctx.regs.rdx = r.edx;
  return ExitAction::advance();
}

}  // namespace nucleo::vmx

// SPDX-License-Identifier: MIT
// CPUID leaves and bits: SDM Vol. 2A, "CPUID - CPU Identification".
#include "vmx/core/exit_cpuid.hpp"

#include "guests/include/nucleo/hypercall.h"
#include "vmx/core/dispatcher.hpp"

namespace nucleo::vmx {

namespace {

// Leaf 1 ECX: MONITOR (3), VMX (5), SMX (6), x2APIC (21), TSC-deadline (24)
// hidden: the VM has no MONITOR/MWAIT, no VMX; the APIC bits come back
// when the VM has a virtual local APIC.
constexpr u32 kLeaf1EcxX2apic = 1u << 21;
constexpr u32 kLeaf1EcxTscDeadline = 1u << 24;
constexpr u32 kLeaf1EcxHidden = (1u << 3) | (1u << 5) | (1u << 6) | kLeaf1EcxX2apic | kLeaf1EcxTscDeadline;
constexpr u32 kLeaf1EcxHypervisor = 1u << 31;
// Leaf 1 EDX: MCE (7), APIC (9), MTRR (12), MCA (14), ACPI thermal (22)
// hidden: not emulated. Without MCE/MCA a guest reads no IA32_MCG_CAP,
// IA32_MCG_STATUS or bank MSRs (SDM Vol. 3B 16.2), which would #GP here;
// Linux panics on that #GP ("MCA architectural violation").
constexpr u32 kLeaf1EdxApic = 1u << 9;
constexpr u32 kLeaf1EdxHidden = (1u << 7) | kLeaf1EdxApic | (1u << 12) | (1u << 14) | (1u << 22);
// Leaf 7 EDX: IBRS/IBPB (26), STIBP (27), L1D_FLUSH (28), ARCH_CAPABILITIES
// (29), SSBD (31): their MSRs would #GP in the VM.
constexpr u32 kLeaf7EdxHidden = (1u << 26) | (1u << 27) | (1u << 28) | (1u << 29) | (1u << 31);
// Leaf 7 EBX: TSC_ADJUST (1): IA32_TSC_ADJUST is not emulated (Linux reads
// it unguarded at boot when the bit is set).
constexpr u32 kLeaf7EbxHidden = 1u << 1;

// Leaves whose answer depends on neither ECX nor guest state, so the view
// may hold them (SDM Vol. 2A Table 3-8; the rest take a subleaf, like 4, 7,
// 0xB, 0xD, 0xF, 0x10, 0x12, 0x14, 0x17, 0x18, 0x1D, 0x1F, or read a
// changing MSR, like 9). An allowlist: a leaf a later SDM adds is computed.
// Leaf 1's OSXSAVE bit follows the guest's CR4 and is set per exit.
constexpr u32 kViewBasic = (1u << 0) | (1u << 1) | (1u << 2) | (1u << 3) | (1u << 5) | (1u << 6) | (1u << 0xA) |
                           (1u << 0x15) | (1u << 0x16);

u32 bits_for(u32 count) {  // x2APIC ID shift wide enough for count IDs
  u32 bits = 0;
  while ((1u << bits) < count) ++bits;
  return bits;
}

}  // namespace

CpuidValues guest_cpuid(CpuAccess& cpu, u32 leaf, u32 subleaf, const VcpuState& vcpu) {
  if (leaf == NUCLEO_CPUID_SIGNATURE_LEAF)
    return {NUCLEO_CPUID_MAX_LEAF, NUCLEO_CPUID_SIGNATURE_EBX, NUCLEO_CPUID_SIGNATURE_ECX, NUCLEO_CPUID_SIGNATURE_EDX};
  if (leaf == NUCLEO_CPUID_INFO_LEAF) return {NUCLEO_HC_ABI_VERSION, 0, 0, 0};
  // The extended instructions this VM has (docs/isa/README.md, "Discovery").
  if (leaf == NUCLEO_CPUID_ISA_LEAF) return {vcpu.extensions, ext::kIdCount, u32{ext::kEscape1} << 8 | ext::kEscape0, 0};
  if (leaf > NUCLEO_CPUID_MAX_LEAF && leaf <= 0x4FFFFFFF) return {};
  // The XSAVE leaf follows the VM's XCR0 mask, the one XSETBV checks.
  if (leaf == 0xD) return xsave_cpuid(vcpu.cpuid.xsave, subleaf, vcpu.xcr0);

  CpuidValues r = cpu.cpuid(leaf, subleaf);
  switch (leaf) {
    case 1:
      r.ecx = (r.ecx & ~kLeaf1EcxHidden) | kLeaf1EcxHypervisor;
      r.edx &= ~kLeaf1EdxHidden;
      if (vcpu.has_lapic) {  // kernel/virt/lapic models all three, whatever the host has
        r.ecx |= kLeaf1EcxX2apic | kLeaf1EcxTscDeadline;
        r.edx |= kLeaf1EdxApic;
      }
      // EBX[31:24] initial APIC ID, [23:16] logical processors per package.
      r.ebx = (r.ebx & 0x0000FFFF) | (vcpu.id << 24) | ((vcpu.vcpu_count & 0xFF) << 16);
      if (vcpu.vcpu_count > 1) r.edx |= 1u << 28;  // HTT: the count above is valid
      break;
    case 6:
      // Thermal and power management: only ARAT (EAX bit 2, the APIC timer
      // keeps running in deep C-states: true of the virtual one) has no
      // MSR behind it. APERF/MPERF (ECX bit 0), the energy-performance bias
      // (ECX bit 3), HWP and the thermal MSRs are not emulated and would
      // #GP (Linux reads APERF/MPERF and writes IA32_ENERGY_PERF_BIAS).
      return {r.eax & (1u << 2), 0, 0, 0};
    case 4:  // cores per package - 1 in EAX[31:26]
      r.eax = (r.eax & 0x03FFFFFF) | (((vcpu.vcpu_count - 1) & 0x3F) << 26);
      break;
    case 5:
    case 0xA:  // no MONITOR/MWAIT, no PMU
      return {};
    case 7:
      if (subleaf == 0) {
        r.ebx &= ~kLeaf7EbxHidden;
        r.edx &= ~kLeaf7EdxHidden;
      }
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

void build_cpuid_view(CpuidView& view, CpuAccess& cpu, const VcpuState& vcpu) {
  view = CpuidView{};
  view.xsave = build_xsave_view(cpu);
  // Past the host's highest leaf the CPU answers with the highest basic
  // leaf, which may take a subleaf: only leaves up to the maximum are kept.
  const u32 max_basic = cpu.cpuid(0, 0).eax;
  for (u32 leaf = 0; leaf < CpuidView::kBasicLeaves && leaf <= max_basic; ++leaf) {
    if (!((kViewBasic >> leaf) & 1)) continue;
    view.basic[leaf] = guest_cpuid(cpu, leaf, 0, vcpu);
    view.basic_present |= 1u << leaf;
  }
  const u32 max_extended = cpu.cpuid(CpuidView::kExtendedBase, 0).eax;
  for (u32 n = 0; n < CpuidView::kExtendedLeaves && CpuidView::kExtendedBase + n <= max_extended; ++n) {
    view.extended[n] = guest_cpuid(cpu, CpuidView::kExtendedBase + n, 0, vcpu);
    view.extended_present |= 1u << n;
  }
}

namespace {

void set_result(GuestRegs& regs, const CpuidValues& r) {  // zero-extends, like CPUID in 64-bit mode
  regs.rax = r.eax;
  regs.rbx = r.ebx;
  regs.rcx = r.ecx;
  regs.rdx = r.edx;
}

// Every leaf the view does not hold, and leaf 1, whose ECX[27] OSXSAVE
// reflects the guest's CR4.OSXSAVE, not the host's.
// Same signature as handle_cpuid, so the call from there is a tail call.
[[gnu::noinline]] ExitAction cpuid_computed(ExitContext& ctx) {
  const auto leaf = static_cast<u32>(ctx.regs.rax);
  const CpuidValues* known = ctx.vcpu.cpuid.find(leaf);
  CpuidValues r = known ? *known : guest_cpuid(ctx.cpu, leaf, static_cast<u32>(ctx.regs.rcx), ctx.vcpu);
  if (leaf == 1) {
    constexpr u32 kOsxsave = 1u << 27;
    const bool guest_osxsave = (ctx.vmcs.read(VmcsNat::guest_cr4) >> 18) & 1;
    r.ecx = guest_osxsave ? (r.ecx | kOsxsave) : (r.ecx & ~kOsxsave);
  }
  set_result(ctx.regs, r);
  return ExitAction::advance();
}

}  // namespace

// The common case, a leaf of the view, is a lookup and four stores; it makes
// no call, so it needs no saved registers (docs/bench-exits.md).
ExitAction handle_cpuid(ExitContext& ctx) {
  const auto leaf = static_cast<u32>(ctx.regs.rax);
  const CpuidValues* known = ctx.vcpu.cpuid.find(leaf);
  if (!known || leaf == 1) [[unlikely]]
    return cpuid_computed(ctx);
  set_result(ctx.regs, *known);
  return ExitAction::advance();
}

}  // namespace nucleo::vmx

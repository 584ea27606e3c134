// SPDX-License-Identifier: MIT
// CPUID leaves and bits: SDM Vol. 2A, "CPUID - CPU Identification".
#include "vmx/core/exit_cpuid.hpp"

#include "guests/include/nucleo/hypercall.h"
#include "vmx/core/cpuid_allow.hpp"
#include "vmx/core/dispatcher.hpp"

namespace nucleo::vmx {

namespace {

// Bits nucleo sets whatever the host has: the hypervisor bit (leaf 1 ECX
// 31), and with a virtual local APIC (kernel/virt/lapic models all three)
// x2APIC (ECX 21), TSC-deadline (ECX 24) and APIC (EDX 9).
constexpr u32 kLeaf1EcxHypervisor = 1u << 31;
constexpr u32 kLeaf1EcxLapic = (1u << 21) | (1u << 24);
constexpr u32 kLeaf1EdxApic = 1u << 9;
constexpr u32 kLeaf1EdxHtt = 1u << 28;
// Leaf 6 EAX[2], ARAT: the virtual APIC timer runs in every C-state (it
// is the hypervisor's clock), so a guest need not fall back to another.
constexpr u32 kLeaf6Arat = 1u << 2;

// The highest leaves the virtual CPU defines (the topology leaf 0x1F and
// the address-size leaf 0x80000008); the host's maximum is clamped to them.
constexpr u32 kMaxBasic = 0x1F;
constexpr u32 kMaxExtended = 0x80000008;
constexpr u32 kExtendedBase = 0x80000000;

// Leaves whose answer depends on neither ECX nor guest state, so the view
// may hold them (SDM Vol. 2A Table 3-8; the rest take a subleaf, like 4, 7,
// 0xB, 0xD, 0xF, 0x10, 0x12, 0x14, 0x17, 0x18, 0x1D, 0x1F, or read a
// changing MSR, like 9). An allowlist: a leaf a later SDM adds is computed.
// Leaf 1's OSXSAVE bit follows the guest's CR4 and is set per exit; leaf
// 0's maximum follows IA32_MISC_ENABLE, whose WRMSR updates the view.
constexpr u32 kViewBasic = (1u << 0) | (1u << 1) | (1u << 2) | (1u << 3) | (1u << 5) | (1u << 6) | (1u << 0xA) |
                           (1u << 0x15) | (1u << 0x16);

u32 bits_for(u32 count) {  // x2APIC ID shift wide enough for count IDs
  u32 bits = 0;
  while ((1u << bits) < count) ++bits;
  return bits;
}

u32 min_u32(u32 a, u32 b) { return a < b ? a : b; }

VirtualCpu virtual_cpu_of(CpuAccess& cpu, const XsaveView& xsave, u32 secondary_controls) {
  VirtualCpu c;
  c.max_basic = min_u32(cpu.cpuid(0, 0).eax, kMaxBasic);
  const u32 max_extended = cpu.cpuid(kExtendedBase, 0).eax;
  c.max_extended = max_extended >= kExtendedBase ? min_u32(max_extended, kMaxExtended) : 0;
  c.gates = cpuid_gates(xsave.xcr0_mask, false, secondary_controls);
  if (c.max_extended >= 0x80000008) {
    const u32 bits = cpu.cpuid(0x80000008, 0).eax & 0xFF;
    if (bits >= 32 && bits <= 52) c.phys_bits = static_cast<u8>(bits);
  }
  return c;
}

// Leaf 4 EAX: [25:14] logical processors sharing this cache - 1, [31:26]
// cores per package - 1 (SDM Vol. 2A Table 3-8). With one thread per core,
// caches up to L2 are private and the others shared by the whole VM.
u32 leaf4_eax(u32 host_eax, u32 vcpu_count) {
  const u32 level = (host_eax >> 5) & 7;
  const u32 sharing = level <= 2 ? 0 : (1u << bits_for(vcpu_count)) - 1;
  return (host_eax & 0x3FFF) | ((sharing & 0xFFF) << 14) | (((vcpu_count - 1) & 0x3F) << 26);
}

}  // namespace

u32 cpuid_max_basic(const VirtualCpu& c, const VcpuMsrs& msrs) {
  return (msrs.misc_enable & misc_enable::kLimitCpuid) ? min_u32(c.max_basic, 2) : c.max_basic;
}

CpuidValues guest_cpuid(CpuAccess& cpu, u32 leaf, u32 subleaf, const VcpuState& vcpu) {
  if (leaf == NUCLEO_CPUID_SIGNATURE_LEAF)
    return {NUCLEO_CPUID_MAX_LEAF, NUCLEO_CPUID_SIGNATURE_EBX, NUCLEO_CPUID_SIGNATURE_ECX, NUCLEO_CPUID_SIGNATURE_EDX};
  if (leaf == NUCLEO_CPUID_INFO_LEAF) return {NUCLEO_HC_ABI_VERSION, 0, 0, 0};
  // The extended instructions this VM has (docs/isa/README.md, "Discovery").
  if (leaf == NUCLEO_CPUID_ISA_LEAF) return {vcpu.extensions, ext::kIdCount, u32{ext::kEscape1} << 8 | ext::kEscape0, 0};
  if (leaf > NUCLEO_CPUID_MAX_LEAF && leaf <= 0x4FFFFFFF) return {};

  const VirtualCpu c = vcpu.cpuid.built ? vcpu.cpuid.cpu : virtual_cpu_of(cpu, vcpu.cpuid.xsave, 0);
  const u32 gates = c.gates | (vcpu.has_lapic ? gate::kLapic : 0);
  // Past the maximum basic or extended leaf a processor answers with the
  // highest basic leaf (SDM Vol. 2A CPUID, "If a value entered for
  // CPUID.EAX is higher than the maximum input value ...").
  if (leaf >= kExtendedBase ? leaf > c.max_extended : leaf > c.max_basic) leaf = c.max_basic;
  // The XSAVE leaf follows the VM's XCR0 mask, the one XSETBV checks.
  if (leaf == 0xD) {
    CpuidValues r = xsave_cpuid(vcpu.cpuid.xsave, subleaf, vcpu.xcr0);
    if (subleaf == 1 && !(gates & gate::kXsaves)) r.eax &= ~(1u << 3);  // XSAVES would #UD
    return r;
  }
  switch (leaf) {
    case 0xB:
    case 0x1F:  // topology: one thread per core, vcpu_count cores
      if (subleaf == 0) return {0, 1, (1u << 8) | subleaf, vcpu.id};
      if (subleaf == 1) return {bits_for(vcpu.vcpu_count), vcpu.vcpu_count, (2u << 8) | subleaf, vcpu.id};
      return {0, 0, subleaf & 0xFF, vcpu.id};
    case 6: return {(gates & gate::kLapic) ? kLeaf6Arat : 0, 0, 0, 0};  // no thermal or power MSRs
    case kExtendedBase: return {c.max_extended, 0, 0, 0};
    default: break;
  }
  CpuidValues r = cpuid_allow(leaf, subleaf, cpu.cpuid(leaf, subleaf), gates);
  switch (leaf) {
    case 0: r.eax = cpuid_max_basic(c, vcpu.msrs); break;
    case 1:
      r.ecx |= kLeaf1EcxHypervisor;
      if (gates & gate::kLapic) {
        r.ecx |= kLeaf1EcxLapic;
        r.edx |= kLeaf1EdxApic;
      }
      // EBX[31:24] initial APIC ID, [23:16] logical processors per package.
      r.ebx |= (vcpu.id << 24) | ((vcpu.vcpu_count & 0xFF) << 16);
      if (vcpu.vcpu_count > 1) r.edx |= kLeaf1EdxHtt;  // the count above is valid
      break;
    case 4:
      if (r.eax & 0x1F) r.eax = leaf4_eax(r.eax, vcpu.vcpu_count);  // type 0: no more caches
      break;
    case 7:  // subleaves 0 and 1 are defined
      if (subleaf == 0) r.eax = min_u32(cpu.cpuid(7, 0).eax, 1);
      break;
    default: break;
  }
  return r;
}

void build_cpuid_view(CpuidView& view, CpuAccess& cpu, const VcpuState& vcpu, u32 secondary_controls) {
  view = CpuidView{};
  view.xsave = build_xsave_view(cpu);
  view.cpu = virtual_cpu_of(cpu, view.xsave, secondary_controls);
  view.built = true;
  // Only leaves up to the (clamped) maximum are kept: past it the answer
  // is the highest basic leaf's, which may take a subleaf.
  for (u32 leaf = 0; leaf < CpuidView::kBasicLeaves && leaf <= view.cpu.max_basic; ++leaf) {
    if (!((kViewBasic >> leaf) & 1)) continue;
    view.basic[leaf] = guest_cpuid(cpu, leaf, 0, vcpu);
    view.basic_present |= 1u << leaf;
  }
  for (u32 n = 0; n < CpuidView::kExtendedLeaves && view.cpu.max_extended != 0 &&
                  CpuidView::kExtendedBase + n <= view.cpu.max_extended;
       ++n) {
    view.extended[n] = guest_cpuid(cpu, CpuidView::kExtendedBase + n, 0, vcpu);
    view.extended_present |= 1u << n;
  }
  const CpuidValues leaf1 = guest_cpuid(cpu, 1, 0, vcpu);
  view.cpu.mtrr = leaf1.edx & (1u << 12);
  view.cpu.mca = leaf1.edx & (1u << 14);
  view.cpu.tsc_adjust = view.cpu.max_basic >= 7 && (guest_cpuid(cpu, 7, 0, vcpu).ebx & (1u << 1));
}

namespace {

void set_result(GuestRegs& regs, const CpuidValues& r) {  // zero-extends, like CPUID in 64-bit mode
  regs.rax = r.eax;
  regs.rbx = r.ebx;
  regs.rcx = r.ecx;
  regs.rdx = r.edx;
}

// Every leaf the view does not hold, and the bits that follow guest state:
// leaf 1 ECX[27] OSXSAVE and leaf 7 ECX[4] OSPKE mirror the guest's
// CR4.OSXSAVE (18) and CR4.PKE (22), not the host's.
// Same signature as handle_cpuid, so the call from there is a tail call.
[[gnu::noinline]] ExitAction cpuid_computed(ExitContext& ctx) {
  const auto leaf = static_cast<u32>(ctx.regs.rax);
  const auto subleaf = static_cast<u32>(ctx.regs.rcx);
  const CpuidValues* known = ctx.vcpu.cpuid.find(leaf);
  CpuidValues r = known ? *known : guest_cpuid(ctx.cpu, leaf, subleaf, ctx.vcpu);
  const auto mirror = [&ctx](u32 reg, u32 bit, u32 cr4_bit) {
    const bool set = (ctx.vmcs.read(VmcsNat::guest_cr4) >> cr4_bit) & 1;
    return set ? (reg | (1u << bit)) : (reg & ~(1u << bit));
  };
  if (leaf == 1) r.ecx = mirror(r.ecx, 27, 18);
  if (leaf == 7 && subleaf == 0 && (r.ecx & (1u << 3))) r.ecx = mirror(r.ecx, 4, 22);  // PKU advertised
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

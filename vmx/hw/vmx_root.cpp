// SPDX-License-Identifier: MIT
#include "vmx/hw/vmx_root.hpp"

#include "vmx/hw/binvept.hpp"

#include "kernel/arch/cpu.hpp"
#include "kernel/arch/x86_bits.hpp"
#include "kernel/console/log.hpp"
#include "kernel/memory/boot_memory.hpp"
#include "smp/cross_call.hpp"
#include "smp/smp.hpp"
#include "vmx/hw/binvept.hpp"
#include "vmx/hw/instructions.hpp"

namespace nucleo::vmx {

namespace {


class HwMsrReader final : public MsrReader {
 public:
  u64 rdmsr(u32 msr) override { return cpu::rdmsr(msr); }
};

constinit VmxCapabilities g_caps;

const char* yes(bool b) { return b ? "yes" : "no"; }

void print_capabilities(const VmxCapabilities& c) {
  log::info("vmx: VMCS revision {:#x}, {} bytes, memory type {}, {} controls", c.revision(), c.region_size(),
            c.memory_type(), c.true_controls() ? "TRUE" : "legacy");
  log::info("vmx: EPT {} (4-level {}, 2 MiB {}, 1 GiB {}, INVEPT single {}), VPID {} (INVVPID single {})",
            yes(c.has_ept()), yes(c.ept_4level()), yes(c.ept_2mb_pages()), yes(c.ept_1gb_pages()),
            yes(c.invept_single()), yes(c.has_vpid()), yes(c.invvpid_single()));
  log::info("vmx: unrestricted guest {}, preemption timer {} (TSC >> {}), APIC virtualization {}, "
            "virtual-interrupt delivery {}, posted interrupts {}, VMFUNC {}, VMCS shadowing {}",
            yes(c.has_unrestricted_guest()), yes(c.has_preemption_timer()), c.preemption_timer_shift(),
            yes(c.has_apic_virtualization()), yes(c.has_virtual_interrupt_delivery()), yes(c.has_posted_interrupts()),
            yes(c.has_vmfunc()), yes(c.has_vmcs_shadowing()));
}

VmxRefusal check_boot_cpu() {
  if ((cpu::cpuid(1).ecx & (1u << 5)) == 0) {
    log::error("vmx: this CPU has no VT-x (CPUID.1:ECX.VMX is 0), so nucleo cannot run guests here.");
    log::error("vmx: run it where VT-x exists: Bochs (tools/nucleo run --emulator bochs), nested KVM "
               "(--emulator kvm, QEMU -enable-kvm -cpu host,+vmx) or real hardware. QEMU TCG has no VT-x.");
    return VmxRefusal::no_vmx;
  }
  const u64 fc = cpu::rdmsr(cap_msr::kFeatureControl);
  if ((fc & kFeatureControlLock) && !(fc & kFeatureControlVmxOutsideSmx)) {
    log::error("vmx: the firmware locked IA32_FEATURE_CONTROL with VMX disabled ({:#x}).", fc);
    log::error("vmx: enable \"Intel Virtualization Technology\" (VT-x) in the firmware setup and boot again.");
    return VmxRefusal::locked_off;
  }
  HwMsrReader msrs;
  g_caps = read_capabilities(msrs);
  print_capabilities(g_caps);
  if (!g_caps.has_ept() || !g_caps.ept_4level() || !g_caps.ept_write_back()) {
    log::error("vmx: this VT-x has no usable EPT (4-level, write-back); nucleo maps guest memory with EPT only.");
    log::error("vmx: use a newer CPU model (Bochs: --cpu-model corei7_haswell_4770 or later).");
    return VmxRefusal::no_ept;
  }
  if (!g_caps.has_unrestricted_guest()) {
    log::error("vmx: this VT-x has no unrestricted guest; guests start in real mode and need it.");
    log::error("vmx: use a newer CPU model (Bochs: --cpu-model corei7_haswell_4770 or later).");
    return VmxRefusal::no_unrestricted_guest;
  }
  return VmxRefusal::none;
}

// Runs on every CPU (cross-call): its own capabilities must match the boot
// CPU's (one VMCS layout for all), then CR0/CR4 fixed bits, VMXON.
void enter_root(void*) {
  PerCpu& me = this_cpu();
  HwMsrReader msrs;
  if (!(read_capabilities(msrs) == g_caps)) {
    me.vmx_caps_differ = 1;
    return;
  }
  u64 fc = cpu::rdmsr(cap_msr::kFeatureControl);
  if (!(fc & kFeatureControlLock)) {
    fc |= kFeatureControlLock | kFeatureControlVmxOutsideSmx;
    cpu::wrmsr(cap_msr::kFeatureControl, fc);
  }
  if (!(fc & kFeatureControlVmxOutsideSmx)) return;
  cpu::write_cr0(apply_cr0_fixed(g_caps, cpu::read_cr0(), false));
  // OSXSAVE lets the XSETBV exit handler load a guest's XCR0 (one vCPU per
  // core: the guest's XCR0 is the core's); the host itself uses no XSAVE state.
  const u64 osxsave = (cpu::cpuid(1).ecx & (1u << 26)) ? x86::kCr4Osxsave : 0;
  cpu::write_cr4(apply_cr4_fixed(g_caps, cpu::read_cr4() | x86::kCr4Vmxe | osxsave));
  if (hw::vmxon(me.vmxon_region) == hw::VmStatus::ok) me.vmx_root = 1;
}

}  // namespace

const VmxCapabilities& capabilities() { return g_caps; }

void dump_capability_msrs() {
  if ((cpu::cpuid(1).ecx & (1u << 5)) == 0) return;
  HwMsrReader msrs;
  const VmxCapabilities c = read_capabilities(msrs);
  const u32 last = c.has_vmfunc() ? cap_msr::kVmfunc : c.true_controls() ? cap_msr::kTrueEntry : cap_msr::kEptVpid;
  for (u32 m = cap_msr::kBasic; m <= last; ++m) {
    if (m == cap_msr::kProcbased2 && !c.has_secondary()) continue;
    if (m == cap_msr::kEptVpid && c.ept_vpid == 0) continue;
    if (m >= cap_msr::kTruePinbased && m <= cap_msr::kTrueEntry && !c.true_controls()) continue;
    log::info("vmx-msr {:#x} {:#018x}", m, cpu::rdmsr(m));
  }
  log::info("vmx-msr {:#x} {:#018x}", cap_msr::kFeatureControl, cpu::rdmsr(cap_msr::kFeatureControl));
}

namespace {

void dump_leaf(u32 leaf, u32 subleaf, bool indexed) {
  const cpu::CpuidResult r = cpu::cpuid(leaf, subleaf);
  if (indexed)
    log::info("cpuid-leaf {:#x} {} {:#010x} {:#010x} {:#010x} {:#010x}", leaf, subleaf, r.eax, r.ebx, r.ecx, r.edx);
  else
    log::info("cpuid-leaf {:#x} * {:#010x} {:#010x} {:#010x} {:#010x}", leaf, r.eax, r.ebx, r.ecx, r.edx);
}

// How many subleaves of `leaf` to record (SDM Vol. 2A Table 3-8): 0 for a
// leaf without subleaves. Leaves 4, 0xB and 0x1F end at a null entry;
// leaf 0xD has one subleaf per state component; the others, a few.
u32 subleaves_of(u32 leaf) {
  switch (leaf) {
    case 4: {
      u32 n = 0;
      while (n < 16 && (cpu::cpuid(4, n).eax & 0x1F) != 0) ++n;
      return n + 1;
    }
    case 0xB:
    case 0x1F: {
      u32 n = 0;
      while (n < 8 && ((cpu::cpuid(leaf, n).ecx >> 8) & 0xFF) != 0) ++n;
      return n + 1;
    }
    case 7: return (cpu::cpuid(7, 0).eax & 0xF) + 1;
    case 0xD: return 64;
    case 0xF: case 0x10: case 0x12: case 0x14: case 0x17: case 0x18: case 0x1D: case 0x20: return 4;
    default: return 0;
  }
}

}  // namespace

void dump_cpuid() {
  static constexpr u32 kBases[] = {0, 0x80000000};
  for (const u32 base : kBases) {
    const u32 max = cpu::cpuid(base).eax;
    if (max < base || max - base > 0x40) continue;
    for (u32 leaf = base; leaf <= max; ++leaf) {
      const u32 n = subleaves_of(leaf);
      if (n == 0) dump_leaf(leaf, 0, false);
      for (u32 sub = 0; sub < n; ++sub) {
        const cpu::CpuidResult r = cpu::cpuid(leaf, sub);
        if (sub == 0 || r.eax || r.ebx || r.ecx || r.edx) dump_leaf(leaf, sub, true);
      }
    }
  }
}

VmxRootResult enter_vmx_root_everywhere() {
  VmxRootResult result;
  result.refusal = check_boot_cpu();
  if (result.refusal != VmxRefusal::none) return result;

  const CpuSet online = smp::online_cpus();
  for (u32 i = 0; i < kMaxCpus; ++i) {
    if (!online.contains(i)) continue;
    const Result<u64> region = frame_allocator().alloc();
    if (!region) {
      log::error("vmx: out of memory for VMXON regions");
      result.refusal = VmxRefusal::vmxon_failed;
      return result;
    }
    // The region starts with the VMCS revision identifier (24.11.5).
    u8* page = phys_to_virt<u8>(region.value());
    for (u64 b = 0; b < kPageSize; ++b) page[b] = 0;
    *reinterpret_cast<u32*>(page) = g_caps.revision();
    smp::cpu(i)->vmxon_region = region.value();
  }
  const Error e = smp::run_on_cpus(online, enter_root, nullptr);
  if (!e.ok()) log::error("vmx: {} CPUs did not answer the VMXON cross-call", e.offset);

  for (u32 i = 0; i < kMaxCpus; ++i) {
    PerCpu* c = online.contains(i) ? smp::cpu(i) : nullptr;
    if (!c) continue;
    if (c->vmx_caps_differ) {
      log::error("vmx: cpu {} (APIC ID {}) reports VMX capabilities that differ from the boot CPU's", i, c->apic_id);
      result.refusal = VmxRefusal::caps_differ;
    } else if (!c->vmx_root) {
      log::error("vmx: VMXON failed on cpu {} (APIC ID {})", i, c->apic_id);
      result.refusal = VmxRefusal::vmxon_failed;
    } else {
      ++result.cores_in_root;
    }
  }
  log::info("vmx: {}/{} cores in VMX root operation, all with the same capabilities{}", result.cores_in_root,
            online.count(), result.refusal == VmxRefusal::caps_differ ? " (NOT: see above)" : "");
  if (result.refusal == VmxRefusal::none) install_binvept_emulation();
  return result;
}

}  // namespace nucleo::vmx

// SPDX-License-Identifier: MIT
// VMCS set-up (SDM Vol. 3C chapter 25 for the layout, 27.2-27.3 for what VM
// entry checks) and VM creation. Host state is this core's; guest state is
// the architectural start state the GuestStart asks for.
#include "vmx/hw/vcpu.hpp"

#include "kernel/arch/cpu.hpp"
#include "kernel/memory/boot_memory.hpp"
#include "smp/percpu.hpp"
#include "vmx/hw/instructions.hpp"
#include "vmx/hw/vmcs_hw.hpp"
#include "vmx/hw/vmx_root.hpp"
#include "vmx/core/guest_state_init.hpp"

extern "C" char vmx_exit_entry[];

namespace nucleo::vmx {

namespace {

constexpr u32 kMsrPat = 0x277;

class FrameEptPages final : public EptPageSource {
 public:
  Result<u64> alloc_zeroed_page() override {
    const Result<u64> f = frame_allocator().alloc();
    if (!f) return f;
    u64* p = phys_to_virt<u64>(f.value());
    for (int i = 0; i < 512; ++i) p[i] = 0;
    return f;
  }
  u64* table(u64 phys) override { return phys_to_virt<u64>(phys); }
};
constinit FrameEptPages g_ept_pages;

Result<u64> zeroed_page(u8 fill) {
  const Result<u64> f = frame_allocator().alloc();
  if (!f) return f;
  u8* p = phys_to_virt<u8>(f.value());
  for (u64 i = 0; i < kPageSize; ++i) p[i] = fill;
  return f;
}

// MSR bitmap (SDM Vol. 3C 25.6.9): read-low, read-high, write-low,
// write-high quarters; a set bit makes the access exit.
void pass_through_msr(u8* bitmap, u32 msr) {
  const u32 high = msr >= 0xC0000000 ? 1024 : 0;
  const u32 bit = msr & 0x1FFF;
  bitmap[high + bit / 8] &= static_cast<u8>(~(1u << (bit % 8)));
  bitmap[2048 + high + bit / 8] &= static_cast<u8>(~(1u << (bit % 8)));
}

struct DescriptorTableRegister {
  u16 limit;
  u64 base;
} __attribute__((packed));

u64 gdt_base() {
  DescriptorTableRegister r;
  asm volatile("sgdt %0" : "=m"(r));
  return r.base;
}
u64 idt_base() {
  DescriptorTableRegister r;
  asm volatile("sidt %0" : "=m"(r));
  return r.base;
}


Error write_controls(VmcsAccess& v, const VmxCapabilities& caps, Vcpu& vcpu) {
  const VmxVm& vm = *vcpu.vm;
  const bool timer = vcpu.state.preemption_timer != 0;
  const bool lapic = vcpu.lapic != nullptr;
  // With a virtual local APIC: the TPR shadow replaces CR8 exits, APIC
  // accesses are virtualized, and where the processor can, register reads,
  // EOIs and interrupt delivery happen without exits (SDM Vol. 3C 30).
  const u32 apicv = proc2::kApicRegisterVirtualization | proc2::kVirtualInterruptDelivery;
  const bool want_apicv = lapic && caps.has2(apicv);
  const Result<u32> pin = compute_controls(caps.pin, pin::kExternalInterruptExiting | pin::kNmiExiting,
                                           pin::kVirtualNmis | (timer ? pin::kPreemptionTimer : 0));
  const Result<u32> proc = compute_controls(
      caps.proc,
      // CR8 exits: without a TPR shadow, MOV to CR8 would set the physical
      // local APIC's TPR and could mask the host's interrupts.
      proc::kHltExiting | proc::kUseIoBitmaps | proc::kUseMsrBitmaps | proc::kSecondaryControls |
          (lapic ? proc::kUseTprShadow : proc::kCr8LoadExiting | proc::kCr8StoreExiting) | proc::kUseTscOffsetting,
      0);
  const Result<u32> proc2 = compute_controls(caps.proc2,
                                             proc2::kRequired | (lapic ? proc2::kVirtualizeApicAccesses : 0) |
                                                 (want_apicv ? apicv : 0),
                                             proc2::kEnableVpid | proc2::kEnableRdtscp | proc2::kEnableInvpcid |
                                                 proc2::kEnableXsaves);
  const Result<u32> exit = compute_controls(
      caps.exit, exit_ctl::kHostAddressSpaceSize | exit_ctl::kSaveEfer | exit_ctl::kLoadEfer,
      exit_ctl::kSavePat | exit_ctl::kLoadPat | (timer ? exit_ctl::kSavePreemptionTimer : 0));
  const Result<u32> entry = compute_controls(caps.entry, entry_ctl::kLoadEfer, entry_ctl::kLoadPat);
  const Result<u32>* all[] = {&pin, &proc, &proc2, &exit, &entry};
  for (const Result<u32>* r : all)
    if (!*r) return r->error();
  NUCLEO_TRY(v.write(Vmcs32::pin_controls, pin.value()));
  NUCLEO_TRY(v.write(Vmcs32::proc_controls, proc.value()));
  NUCLEO_TRY(v.write(Vmcs32::proc_controls2, proc2.value()));
  NUCLEO_TRY(v.write(Vmcs32::exit_controls, exit.value()));
  NUCLEO_TRY(v.write(Vmcs32::entry_controls, entry.value()));
  // #BP and #MC are intercepted: #BP to count and reflect, #MC to report;
  // #UD in VMs with extended instructions, which reach nucleo that way
  // (vmx/ext/isa_exec.hpp).
  NUCLEO_TRY(v.write(Vmcs32::exception_bitmap,
                     (1u << 3) | (1u << 18) | (vcpu.state.extensions != 0 ? 1u << 6 : 0)));
  NUCLEO_TRY(v.write(Vmcs32::cr3_target_count, 0));
  NUCLEO_TRY(v.write(Vmcs64::tsc_offset, 0));
  NUCLEO_TRY(v.write(Vmcs32::exit_msr_store_count, 0));
  NUCLEO_TRY(v.write(Vmcs32::exit_msr_load_count, 0));
  NUCLEO_TRY(v.write(Vmcs32::entry_msr_load_count, 0));
  NUCLEO_TRY(v.write(Vmcs32::page_fault_error_mask, 0));
  NUCLEO_TRY(v.write(Vmcs32::page_fault_error_match, 0));
  NUCLEO_TRY(v.write(Vmcs64::io_bitmap_a, vm.io_bitmap_a));
  NUCLEO_TRY(v.write(Vmcs64::io_bitmap_b, vm.io_bitmap_b));
  NUCLEO_TRY(v.write(Vmcs64::msr_bitmap, vm.msr_bitmap));
  NUCLEO_TRY(v.write(Vmcs64::ept_pointer, vm.ept.eptp()));
  if (proc2.value() & proc2::kEnableVpid) NUCLEO_TRY(v.write(Vmcs16::vpid, vcpu.vpid));
  // XSAVES/XRSTORS exit for no IA32_XSS component (SDM Vol. 3C 25.6.20):
  // the field is the CPU's to initialise otherwise.
  if (proc2.value() & proc2::kEnableXsaves) NUCLEO_TRY(v.write(Vmcs64::xss_exiting_bitmap, 0));
  vcpu.state.apicv = want_apicv;
  if (lapic) {
    NUCLEO_TRY(v.write(Vmcs64::virtual_apic_page, vcpu.lapic_page_phys));
    NUCLEO_TRY(v.write(Vmcs64::apic_access_page, vcpu.apic_access_phys));
    NUCLEO_TRY(v.write(Vmcs32::tpr_threshold, 0));
  }
  if (want_apicv) {
    u64 eoi_exits[4];
    vcpu.lapic->eoi_exit_bitmap(eoi_exits);
    NUCLEO_TRY(v.write(Vmcs64::eoi_exit_bitmap0, eoi_exits[0]));
    NUCLEO_TRY(v.write(Vmcs64::eoi_exit_bitmap1, eoi_exits[1]));
    NUCLEO_TRY(v.write(Vmcs64::eoi_exit_bitmap2, eoi_exits[2]));
    NUCLEO_TRY(v.write(Vmcs64::eoi_exit_bitmap3, eoi_exits[3]));
    NUCLEO_TRY(v.write(Vmcs16::guest_interrupt_status, 0));
  }
  // CR0/CR4 bits the hypervisor owns: reads see the shadow, writes exit.
  // CR0: the fixed-1 bits apart from PE/PG (unrestricted guest): NE.
  // CR4: VMXE and every bit VMX forces or forbids.
  const u64 cr0_owned = caps.cr0_fixed0 & ~u64{0x80000001};
  const u64 cr4_owned = (caps.cr4_fixed0 | ~caps.cr4_fixed1) & 0xFFFFFFFF;
  NUCLEO_TRY(v.write(VmcsNat::cr0_guest_host_mask, cr0_owned));
  NUCLEO_TRY(v.write(VmcsNat::cr4_guest_host_mask, cr4_owned));
  return {};
}

Error write_host_state(VmcsAccess& v) {
  PerCpu& me = this_cpu();
  NUCLEO_TRY(v.write(VmcsNat::host_cr0, cpu::read_cr0()));
  NUCLEO_TRY(v.write(VmcsNat::host_cr3, cpu::read_cr3()));
  NUCLEO_TRY(v.write(VmcsNat::host_cr4, cpu::read_cr4()));
  NUCLEO_TRY(v.write(Vmcs16::host_cs, kKernelCode));
  NUCLEO_TRY(v.write(Vmcs16::host_ss, kKernelData));
  NUCLEO_TRY(v.write(Vmcs16::host_ds, kKernelData));
  NUCLEO_TRY(v.write(Vmcs16::host_es, kKernelData));
  NUCLEO_TRY(v.write(Vmcs16::host_fs, 0));
  NUCLEO_TRY(v.write(Vmcs16::host_gs, 0));
  NUCLEO_TRY(v.write(Vmcs16::host_tr, kTss));
  NUCLEO_TRY(v.write(VmcsNat::host_fs_base, 0));
  NUCLEO_TRY(v.write(VmcsNat::host_gs_base, reinterpret_cast<u64>(&me)));
  NUCLEO_TRY(v.write(VmcsNat::host_tr_base, reinterpret_cast<u64>(&me.tables.tss)));
  NUCLEO_TRY(v.write(VmcsNat::host_gdtr_base, gdt_base()));
  NUCLEO_TRY(v.write(VmcsNat::host_idtr_base, idt_base()));
  NUCLEO_TRY(v.write(Vmcs32::host_sysenter_cs, 0));
  NUCLEO_TRY(v.write(VmcsNat::host_sysenter_esp, 0));
  NUCLEO_TRY(v.write(VmcsNat::host_sysenter_eip, 0));
  NUCLEO_TRY(v.write(Vmcs64::host_efer, cpu::rdmsr(0xC0000080)));
  NUCLEO_TRY(v.write(Vmcs64::host_pat, cpu::rdmsr(kMsrPat)));
  NUCLEO_TRY(v.write(VmcsNat::host_rip, reinterpret_cast<u64>(vmx_exit_entry)));
  return {};
}

}  // namespace

Error create_vmx_vm(VmxVm& out, Str name, u32 id, u64 ram_bytes) {
  out.vm.name = name;
  out.vm.id = id;
  out.vm.console.name = name;
  ram_bytes = align_up(ram_bytes, 2 * MiB);
  const Result<u64> ram = frame_allocator().alloc_contiguous(ram_bytes / kPageSize, 2 * MiB);
  if (!ram) return make_error(Status::out_of_memory, "no contiguous host memory for the VM's RAM", ram_bytes);
  out.vm.ram_hpa = ram.value();
  out.vm.ram_size = ram_bytes;
  out.vm.ram = phys_to_virt<u8>(ram.value());
  for (u64 i = 0; i < ram_bytes; ++i) out.vm.ram[i] = 0;

  NUCLEO_TRY(out.ept.init(g_ept_pages));
  NUCLEO_TRY(out.ept.map(0, out.vm.ram_hpa, ram_bytes, EptPerm::rwx, EptMemType::write_back, true, true));

  const Result<u64> a = zeroed_page(0xFF), b = zeroed_page(0xFF), msr = zeroed_page(0xFF);
  if (!a || !b || !msr) return make_error(Status::out_of_memory, "no memory for the VM's bitmaps");
  out.io_bitmap_a = a.value();  // every port exits: the VM sees only its device models
  out.io_bitmap_b = b.value();
  out.msr_bitmap = msr.value();
  // MSRs that VM entry and exit switch themselves (guest-state area), or
  // that the host never uses (static partitioning: one vCPU per core, and
  // the hypervisor has no SYSCALL path and no SWAPGS).
  u8* bits = phys_to_virt<u8>(msr.value());
  static constexpr u32 kPassThrough[] = {0x174,      0x175,      0x176,      0xC0000081, 0xC0000082,
                                         0xC0000083, 0xC0000084, 0xC0000100, 0xC0000101, 0xC0000102};
  for (u32 m : kPassThrough) pass_through_msr(bits, m);
  // IA32_TSC_AUX exists for the guest only with RDTSCP/RDPID, which the
  // VM has when "enable RDTSCP" can be set (write_controls sets it then);
  // otherwise its RDMSR/WRMSR exit and #GP, like any MSR the CPU lacks.
  if (capabilities().has2(proc2::kEnableRdtscp)) pass_through_msr(bits, 0xC0000103);
  return {};
}

Error setup_vcpu(Vcpu& vcpu, VmxVm& vm, const GuestStart& start) {
  const VmxCapabilities& caps = capabilities();
  vcpu.vm = &vm;
  if (vcpu.vmcs_phys == 0) return make_error(Status::invalid_argument, "vCPU has no VMCS region");
  // A clean region with the revision identifier (SDM Vol. 3C 25.2); the
  // format beyond it is the CPU's, so every field used is written below.
  u8* region = phys_to_virt<u8>(vcpu.vmcs_phys);
  for (u64 i = 0; i < kPageSize; ++i) region[i] = 0;
  *reinterpret_cast<u32*>(region) = caps.revision();
  if (hw::vmclear(vcpu.vmcs_phys) != hw::VmStatus::ok) return make_error(Status::unsupported, "VMCLEAR failed");
  if (hw::vmptrld(vcpu.vmcs_phys) != hw::VmStatus::ok) return make_error(Status::unsupported, "VMPTRLD failed");
  vcpu.launched = false;
  // Stale translations of an earlier VM with the same EPTP or VPID must not
  // survive (SDM Vol. 3C 29.4.3): invalidate them before the first entry.
  const hw::InveptType ept_scope = caps.invept_single() ? hw::InveptType::single_context : hw::InveptType::all_contexts;
  if (hw::invept(ept_scope, vm.ept.eptp()) != hw::VmStatus::ok) return make_error(Status::unsupported, "INVEPT failed");
  if (caps.has_vpid() && caps.invvpid_single() &&
      hw::invvpid(hw::InvvpidType::single_context, vcpu.vpid) != hw::VmStatus::ok)
    return make_error(Status::unsupported, "INVVPID failed");
  HwVmcs vmcs;
  NUCLEO_TRY(write_controls(vmcs, caps, vcpu));
  NUCLEO_TRY(write_host_state(vmcs));
  NUCLEO_TRY(write_guest_state(vmcs, caps, start));
  return {};
}

}  // namespace nucleo::vmx

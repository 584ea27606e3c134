// SPDX-License-Identifier: MIT
#include "vmx/hw/guest_vm.hpp"

#include "kernel/arch/lapic.hpp"
#include "kernel/boot_info/modules.hpp"
#include "kernel/lib/placement_new.hpp"
#include "kernel/memory/boot_memory.hpp"
#include "kernel/time/clock.hpp"
#include "kernel/time/wall_clock.hpp"
#include "smp/cross_call.hpp"
#include "smp/smp.hpp"
#include "vmx/hw/guest_image.hpp"
#include "vmx/hw/vmx_root.hpp"

namespace nucleo::vmx {

Result<GuestVm*> GuestVm::create(const VmConfig& c, const mb2::BootInfo& info, u16 first_vpid,
                                 ConsoleLineSink& console, Sink& why) {
  const u64 pages = align_up(sizeof(GuestVm), kPageSize) / kPageSize;
  const Result<u64> mem = frame_allocator().alloc_contiguous(pages);
  if (!mem) return make_error(Status::out_of_memory, "no host memory for the VM's structures");
  const clock::WallClock wall = clock::read_wall_clock();
  CmosRtc::Config rtc;
  rtc.unix_seconds = wall.unix_seconds;
  rtc.at_tsc = wall.at_tsc;
  rtc.ram_below_4g = min<u64>(c.memory_bytes, 0xE0000000);  // the PCI hole starts at 3.5 GiB
  rtc.ram_above_4g = c.memory_bytes - rtc.ram_below_4g;
  GuestVm* g = new (phys_to_virt<void>(mem.value())) GuestVm(rtc);
  BufferSink name(g->name, sizeof g->name - 1);
  format(name, "{}", c.name);
  g->vmx.vm.console.sink = &console;
  NUCLEO_TRY(create_vmx_vm(g->vmx, Str(g->name), first_vpid, c.memory_bytes));
  g->vcpu_count = c.core_count;
  for (u32 i = 0; i < c.core_count; ++i) {
    const Result<u64> vmcs = frame_allocator().alloc();
    if (!vmcs) return make_error(Status::out_of_memory, "no memory for a VMCS");
    Vcpu& v = g->vcpus[i];
    v.vmcs_phys = vmcs.value();
    v.vpid = static_cast<u16>(first_vpid + i);
    v.state.id = i;
    v.state.vcpu_count = c.core_count;
    // A time slice (10 ms): the hypervisor gets its core back even from a
    // guest that spins with interrupts off, and virtual timers are due.
    if (capabilities().has_preemption_timer())
      v.state.preemption_timer =
          max<u64>(1, (clock::tsc_hz() / 100) >> capabilities().preemption_timer_shift());
    g->cores[i] = c.core_list[i];
    g->tasks[i] = VcpuTask{g, i};
  }
  if (c.has(Device::lapic)) {
    const Error e = g->create_lapics();
    if (!e.ok()) {
      format(why, "its local APICs cannot be built: {}", e.what);
      return e;
    }
  }
  for (u32 i = 0; i < c.core_count; ++i) g->vcpus[i].platform = &g->platform;
  PcPlatformSetup setup;
  setup.devices = c.devices;
  setup.vcpu_count = c.core_count;
  setup.cmdline = c.cmdline;
  const Result<u64> rsdp = g->platform.attach(setup);
  if (!rsdp) {
    format(why, "its virtual PC cannot be built: {}", rsdp.error().what);
    return rsdp.error();
  }
  NUCLEO_TRY(load_guest_image(*g, c, info, rsdp.value(), why));
  return g;
}

Error GuestVm::create_lapics() {
  if (!capabilities().has_apic_virtualization())
    return make_error(Status::unsupported, "this VT-x cannot virtualize APIC accesses (no APIC-access page)");
  const Result<u64> access = frame_allocator().alloc();
  if (!access) return make_error(Status::out_of_memory, "no memory for the APIC-access page");
  apic_access_phys = access.value();
  // Guest accesses to the xAPIC page hit the APIC-access page through EPT
  // and become virtualized APIC accesses (SDM Vol. 3C 30.4).
  NUCLEO_TRY(vmx.ept.map(kApicMmioBase, apic_access_phys, kPageSize, EptPerm::rw, EptMemType::uncacheable, false,
                         false));
  const u64 object_pages = align_up(sizeof(VirtualLapic) * vcpu_count, kPageSize) / kPageSize;
  const Result<u64> objects = frame_allocator().alloc_contiguous(object_pages);
  if (!objects) return make_error(Status::out_of_memory, "no memory for the local APIC models");
  auto* storage = phys_to_virt<VirtualLapic>(objects.value());
  for (u32 i = 0; i < vcpu_count; ++i) {
    const Result<u64> page = frame_allocator().alloc();
    if (!page) return make_error(Status::out_of_memory, "no memory for a virtual-APIC page");
    LapicConfig config;
    config.id = i;
    config.vcpu_count = vcpu_count;
    config.phys_addr_bits = 39;
    lapics[i] = new (&storage[i]) VirtualLapic(*phys_to_virt<LapicPage>(page.value()), clock, config);
    vcpus[i].lapic = lapics[i];
    vcpus[i].lapic_page_phys = page.value();
    vcpus[i].apic_access_phys = apic_access_phys;
    vcpus[i].state.has_lapic = true;
  }
  for (u32 i = 0; i < vcpu_count; ++i) {
    lapics[i]->connect(Span<VirtualLapic* const>(lapics, vcpu_count), &ipi_kick);
    lapics[i]->reset();
  }
  return {};
}

void GuestVm::IpiKick::deliver(u32 target, IpiKind kind, u8 vector) {
  if (target >= vm_.vcpu_count || !vm_.lapics[target]) return;
  vm_.lapics[target]->accept(vector, kind);
  const PerCpu* core = smp::cpu(vm_.cores[target]);
  if (!core) return;
  switch (kind) {
    case IpiKind::nmi: (void)lapic::send_ipi(core->apic_id, lapic::Delivery::nmi); break;
    case IpiKind::init:  // taken in software at the target's next entry (prepare_virtual_pc)
      (void)lapic::send_ipi(core->apic_id, lapic::Delivery::fixed, lapic::kVectorWake);
      break;
    case IpiKind::sipi: (void)lapic::send_ipi(core->apic_id, lapic::Delivery::startup, vector); break;
    case IpiKind::fixed: (void)lapic::send_ipi(core->apic_id, lapic::Delivery::fixed, lapic::kVectorWake); break;
  }
}

void GuestVm::stop(StopReason reason) {
  Vm& vm = vmx.vm;
  if (vm.stopped) return;
  vm.stop_reason = reason;
  __atomic_store_n(&vm.stopped, true, __ATOMIC_RELEASE);
}

void GuestVm::kick_all_but(u32 except) {
  for (u32 i = 0; i < vcpu_count; ++i) {
    if (i == except || smp::work_done(cores[i])) continue;
    const PerCpu* target = smp::cpu(cores[i]);
    if (!target || target == &this_cpu()) continue;
    (void)lapic::send_ipi(target->apic_id, lapic::Delivery::startup, 0);
    (void)lapic::send_ipi(target->apic_id, lapic::Delivery::fixed, lapic::kVectorWake);
  }
}

}  // namespace nucleo::vmx

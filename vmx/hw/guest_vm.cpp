// SPDX-License-Identifier: MIT
#include "vmx/hw/guest_vm.hpp"

#include "kernel/arch/lapic.hpp"
#include "kernel/boot_info/modules.hpp"
#include "kernel/lib/placement_new.hpp"
#include "kernel/memory/boot_memory.hpp"
#include "kernel/time/wall_clock.hpp"
#include "smp/cross_call.hpp"
#include "smp/smp.hpp"
#include "vmx/hw/guest_image.hpp"

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
    g->cores[i] = c.core_list[i];
    g->tasks[i] = VcpuTask{g, i};
  }
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

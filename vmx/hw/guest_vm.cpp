// SPDX-License-Identifier: MIT
#include "vmx/hw/guest_vm.hpp"

#include "kernel/arch/lapic.hpp"
#include "kernel/boot_info/modules.hpp"
#include "kernel/lib/placement_new.hpp"
#include "kernel/memory/boot_memory.hpp"
#include "kernel/console/log.hpp"
#include "kernel/lib/mul_div.hpp"
#include "kernel/virt/channel/channel_table.hpp"
#include "kernel/time/clock.hpp"
#include "kernel/time/wall_clock.hpp"
#include "smp/cross_call.hpp"
#include "smp/smp.hpp"
#include "vmx/hw/guest_image.hpp"
#include "vmx/hw/vmx_root.hpp"

namespace nucleo::vmx {

Result<GuestVm*> GuestVm::create(const VmConfig& c, u32 config_index, const mb2::BootInfo& info,
                                 u16 first_vpid, Sink& why) {
  const u64 pages = align_up(sizeof(GuestVm), kPageSize) / kPageSize;
  const Result<u64> mem = frame_allocator().alloc_contiguous(pages);
  if (!mem) return make_error(Status::out_of_memory, "no host memory for the VM's structures");
  const clock::WallClock wall = clock::read_wall_clock();
  CmosRtc::Config rtc;
  rtc.unix_seconds = wall.unix_seconds;
  rtc.at_tsc = wall.at_tsc;
  rtc.ram_below_4g = min<u64>(c.memory_bytes, kPciHoleBase);
  rtc.ram_above_4g = c.memory_bytes - rtc.ram_below_4g;
  GuestVm* g = new (phys_to_virt<void>(mem.value())) GuestVm(rtc);
  g->rtc_config = rtc;
  g->config_index = config_index;
  g->wall_seconds = wall.unix_seconds;
  g->wall_tsc = wall.at_tsc;
  BufferSink name(g->name, sizeof g->name - 1);
  format(name, "{}", c.name);
  g->vmx.vm.console.sink = &g->console_queue;
  NUCLEO_TRY(create_vmx_vm(g->vmx, Str(g->name), first_vpid, c.memory_bytes));
  NUCLEO_TRY(g->reserve_migration_frames());
  g->vcpu_count = c.core_count;
  for (u32 i = 0; i < c.core_count; ++i) {
    const Result<u64> vmcs = frame_allocator().alloc();
    if (!vmcs) return make_error(Status::out_of_memory, "no memory for a VMCS");
    Vcpu& v = g->vcpus[i];
    v.vmcs_phys = vmcs.value();
    v.vpid = static_cast<u16>(first_vpid + i);
    v.state.id = i;
    v.state.vcpu_count = c.core_count;
    v.state.started = i == 0 ? 1 : 0;
    v.state.clear_smi_blocking = c.core_count > 1;
    v.state.extensions = c.extensions;
    v.services = g;
    v.isa = g;
    v.console_queue = &g->console_queue;
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
  g->config = &c;
  g->info = &info;
  NUCLEO_TRY(g->boot(why));
  return g;
}

// Everything a boot of the guest needs fresh: its channels' doorbells and
// fw_cfg files, the virtual PC with its tables, the image.
Error GuestVm::boot(Sink& why) {
  const VmConfig& c = *config;
  GuestVm* g = this;
  const Result<u32> files = g->attach_channels(c.has(Device::fw_cfg));
  if (!files) {
    format(why, "its channels cannot be mapped: {}", files.error().what);
    return files.error();
  }
  // A restarted guest learns which boot this is from its command line.
  BufferSink cmdline(cmdline_text, sizeof cmdline_text);
  if (restarts == 0) format(cmdline, "{}", c.cmdline);
  else format(cmdline, "{}{}nucleo.boot={}", c.cmdline, c.cmdline.empty() ? "" : " ", restarts);
  PcPlatformSetup setup;
  setup.devices = c.devices;
  setup.vcpu_count = c.core_count;
  setup.cmdline = cmdline.view();
  setup.fw_cfg_files = Span<const FwCfgFile>(g->fw_cfg_files, files.value());
  setup.lapics = Span<VirtualLapic* const>(g->lapics, g->vcpu_count);
  setup.kicker = &g->ioapic_kick;
  const Result<u64> rsdp = g->platform.attach(setup);
  if (!rsdp) {
    format(why, "its virtual PC cannot be built: {}", rsdp.error().what);
    return rsdp.error();
  }
  // Level-triggered EOIs go to the I/O APIC (a new one after a restart).
  for (u32 i = 0; i < g->vcpu_count; ++i)
    if (g->lapics[i]) g->lapics[i]->set_eoi_listener(g->platform.ioapic());
  return load_guest_image(*g, c, cmdline.view(), *info, rsdp.value(), why);
}

Error GuestVm::restart(Sink& why) {
  Vm& vm = vmx.vm;
  ++restarts;
  unmove_pages();
  for (u64 i = 0; i < vm.ram_size; ++i) vm.ram[i] = 0;
  vm.stopped = false;
  vm.stop_reason = StopReason::none;
  vm.exit_code = 0;
  vm.exit_requested = false;
  vm.requested_code = 0;
  vm.reset_requested = false;
  vm.diagnostic_length = 0;
  vm.io.clear();
  platform.~PcPlatform();
  new (&platform) PcPlatform(vm, clock, rtc_config);
  for (u32 i = 0; i < vcpu_count; ++i) {
    Vcpu& v = vcpus[i];
    v.regs = GuestRegs{};
    VcpuState fresh;
    fresh.id = v.state.id;
    fresh.vcpu_count = v.state.vcpu_count;
    fresh.preemption_timer = v.state.preemption_timer;
    fresh.has_lapic = v.state.has_lapic;
    fresh.clear_smi_blocking = v.state.clear_smi_blocking;
    fresh.extensions = v.state.extensions;
    fresh.started = i == 0 ? 1 : 0;
    v.state = fresh;
    if (lapics[i]) lapics[i]->reset();
  }
  return boot(why);
}

bool GuestVm::crashed() const {
  const StopReason r = vmx.vm.stop_reason;
  return r != StopReason::guest_exit && r != StopReason::none;
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
    LapicConfig lapic_config;
    lapic_config.id = i;
    lapic_config.vcpu_count = vcpu_count;
    lapic_config.phys_addr_bits = 39;
    lapics[i] = new (&storage[i]) VirtualLapic(*phys_to_virt<LapicPage>(page.value()), clock, lapic_config);
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

void GuestVm::kick(u32 vcpu, Kick how, u8 sipi_vector) const {
  const PerCpu* core = smp::cpu(cores[vcpu]);
  if (!core || core == &this_cpu()) return;  // this core looks anyway before its next entry
  // Every VM core takes NMIs as kicks from before the first vCPU starts
  // (vm_launcher.cpp), but a vCPU whose loop is not on yet has no VM entry
  // to deliver at: it gets a wake, and the NMI stays pending in its virtual
  // APIC until its first entry (issue 13, hole 2).
  if (how == Kick::nmi && !__atomic_load_n(&vcpus[vcpu].loop_running, __ATOMIC_ACQUIRE)) {
    // Once per NMI that becomes pending (IpiKick coalesces the rest).
    log::info("vm {}: an NMI for vCPU {} before its loop runs: a wake, the NMI waits in its local APIC", name, vcpu);
    how = Kick::wake;
  }
  if (how == Kick::nmi) (void)lapic::send_ipi(core->apic_id, lapic::Delivery::nmi);
  if (how == Kick::sipi || how == Kick::sipi_and_wake)
    (void)lapic::send_ipi(core->apic_id, lapic::Delivery::startup, sipi_vector);
  if (how == Kick::wake || how == Kick::sipi_and_wake)
    (void)lapic::send_ipi(core->apic_id, lapic::Delivery::fixed, lapic::kVectorWake);
}

void GuestVm::IpiKick::deliver(u32 target, IpiKind kind, u8 vector) {
  if (target >= vm_.vcpu_count || !vm_.lapics[target]) return;
  // Kick only what became pending (VirtualLapic::accept): no IPI storms.
  if (!vm_.lapics[target]->accept(vector, kind)) return;
  switch (kind) {
    case IpiKind::nmi: vm_.kick(target, Kick::nmi); break;
    case IpiKind::sipi: vm_.kick(target, Kick::sipi, vector); break;
    case IpiKind::init:  // taken in software at the target's next entry (prepare_virtual_pc)
    case IpiKind::fixed: vm_.kick(target, Kick::wake); break;
  }
}

void GuestVm::IoApicKick::kick(u32 vcpu, IpiKind kind) {
  if (vcpu < vm_.vcpu_count) vm_.kick(vcpu, kind == IpiKind::nmi ? Kick::nmi : Kick::wake);
}

void GuestVm::post_event(u32 vcpu, u8 vector) {
  if (vcpu >= vcpu_count) return;
  if (lapics[vcpu]) {  // a VM with local APICs takes events as fixed interrupts
    ipi_kick.deliver(vcpu, IpiKind::fixed, vector);
    return;
  }
  if (vcpus[vcpu].state.post_event(vector)) kick(vcpu, Kick::wake);  // only on the transition to pending
}

void GuestVm::exit_stats(nucleo_hc_exit_stats& out) {
  for (u32 i = 0; i < vcpu_count; ++i) {
    const ExitStats& st = vcpus[i].stats;
    out.total_exits += st.total();
    out.hypercalls += vcpus[i].state.hypercalls;
    out.interrupts_injected += vcpus[i].state.interrupts_injected;
    for (u32 r = 0; r < NUCLEO_HC_STATS_REASONS && r < kExitReasonCount; ++r) {
      out.count[r] += st.count[r];
      out.tsc[r] += st.tsc[r];
    }
  }
}

void GuestVm::isa_stats(nucleo_hc_isa_stats& out) {
  for (u32 i = 0; i < vcpu_count; ++i) ext::add_isa_stats(out, vcpus[i].state.isa);
}

u64 GuestVm::wall_clock_ns() {
  if (wall_seconds <= 0) return 0;
  const u64 elapsed = cpu::rdtsc() - wall_tsc;
  return static_cast<u64>(wall_seconds) * 1'000'000'000 + mul_div(elapsed, 1'000'000'000, clock::tsc_hz());
}

bool GuestVm::signal_vm(u32 vm, u32 vcpu, u8 vector) {
  GuestVm* peer = configured_vm(vm);
  if (!peer || peer->vmx.vm.stopped) return false;
  peer->post_event(vcpu, vector);
  return true;
}

i64 GuestVm::start_vcpu(u32 index, u64 entry, u32 arg) {
  if (index >= vcpu_count) return NUCLEO_HC_E_RANGE;
  VcpuState& s = vcpus[index].state;
  u32 expected = 0;
  if (!__atomic_compare_exchange_n(&s.started, &expected, 1u, false, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
    return NUCLEO_HC_E_INVALID;
  s.start_entry = entry;
  s.start_arg = arg;
  __atomic_store_n(&s.start_requested, 1u, __ATOMIC_RELEASE);
  // The vCPU waits for SIPI in VMX non-root: a SIPI makes it exit, and the
  // SIPI handler starts it at the entry (vmx/core/exit_events.cpp).
  kick(index, Kick::sipi);
  log::debug("vm {}: vCPU {} starts at {:#x} (VCPU_START)", vmx.vm.name, index, entry);
  return 0;
}

Result<u32> GuestVm::attach_channels(bool fw_cfg) {
  ChannelTable* table = configured_channels();
  if (!table) return u32{0};
  const u32 handles = table->handles_of(config_index);
  if (handles == 0) return u32{0};
  // After RAM, below the 32-bit MMIO area, so a guest without paging
  // reaches them (docs/hypercalls.md).
  if (table->place_channels(config_index, align_up(vmx.vm.ram_size, 2 * MiB), kPciHoleBase) == 0)
    return make_error(Status::out_of_memory, "no guest-physical room below 3.5 GiB for its channel regions");
  u32 files = 0;
  for (u32 h = 0; h < handles; ++h) {
    u32 side = 0;
    Channel* ch = table->by_handle(config_index, h, side);
    if (!ch) continue;
    NUCLEO_TRY(vmx.ept.map(ch->ends[side].gpa, ch->host_address, ch->size, EptPerm::rw, EptMemType::write_back,
                           false, false));
    const auto port = static_cast<u16>(kFirstDoorbellPort + h);
    doorbells[h].vm = this;
    doorbells[h].handle = h;
    if (!vmx.vm.io.attach(port, port, doorbells[h]))
      return make_error(Status::already_exists, "a channel doorbell port is taken");
    if (!fw_cfg || files >= FwCfg::kMaxExtraFiles) continue;
    ChannelFile& f = channel_files[files];
    BufferSink file_name(f.name, sizeof f.name - 1);
    format(file_name, "opt/org.nucleo/channel/{}", ch->name);
    for (u32 i = 0; i < 8; ++i) {
      f.data[i] = static_cast<u8>(ch->ends[side].gpa >> (8 * i));
      f.data[8 + i] = static_cast<u8>(ch->size >> (8 * i));
    }
    f.data[16] = static_cast<u8>(port);
    f.data[17] = static_cast<u8>(port >> 8);
    fw_cfg_files[files++] = FwCfgFile{file_name.view(), Bytes(f.data, sizeof f.data)};
  }
  return files;
}

bool GuestVm::DoorbellPort::io_out(u16, u8 size, u32) {
  if (size != 1 || !configured_channels() || !vm) return false;
  (void)vm->ring_channel(handle);  // an OUT has no status: a peer that is down misses the ring
  return true;
}

ChannelRing::Kind GuestVm::ring_channel(u64 handle) {
  ChannelTable* table = configured_channels();
  if (!table) return ChannelRing::Kind::bad_handle;
  return table->ring_and_signal(config_index, handle,
                                [this](u32 vm, u32 vcpu, u8 vector) { return signal_vm(vm, vcpu, vector); });
}

ext::NotifyStatus GuestVm::notify_channel(u64 handle) {
  switch (ring_channel(handle)) {
    case ChannelRing::Kind::deliver:
      return ext::NotifyStatus::delivered;
    case ChannelRing::Kind::pending:
      return ext::NotifyStatus::pending;
    case ChannelRing::Kind::peer_down:
      return ext::NotifyStatus::peer_down;
    case ChannelRing::Kind::bad_handle:
      break;
  }
  return ext::NotifyStatus::bad_handle;
}

void GuestVm::stop(StopReason reason) {
  Vm& vm = vmx.vm;
  if (vm.stopped) return;
  vm.stop_reason = reason;
  __atomic_store_n(&vm.stopped, true, __ATOMIC_RELEASE);
}

void GuestVm::kick_all_but(u32 except) {
  for (u32 i = 0; i < vcpu_count; ++i) {
    if (i != except && !smp::work_done(cores[i])) kick(i, Kick::sipi_and_wake);
  }
}

}  // namespace nucleo::vmx

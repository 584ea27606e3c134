// SPDX-License-Identifier: MIT
#include "vmx/hw/test_vms.hpp"

#include "kernel/arch/cpu.hpp"
#include "kernel/arch/lapic.hpp"
#include "kernel/time/clock.hpp"
#include "kernel/console/log.hpp"
#include "kernel/lib/json_writer.hpp"
#include "kernel/lib/placement_new.hpp"
#include "kernel/memory/boot_memory.hpp"
#include "kernel/virt/devices/debug_devices.hpp"
#include "smp/cross_call.hpp"
#include "smp/smp.hpp"
#include "vmx/core/exit_reason.hpp"
#include "vmx/hw/vcpu.hpp"
#include "vmx/hw/vmx_root.hpp"

extern "C" const char test_guest_start[], test_guest_end[];
extern "C" const char bench_guest_start[], bench_guest_end[];

namespace nucleo::vmx {

namespace {

constexpr u64 kGuestLoad = 0x8000;   // test_guest.ld
constexpr u64 kGuestStack = 0x7FF0;
constexpr u64 kGuestRam = 2 * MiB;
constexpr u64 kDefaultTimer = 20000;

enum class Fault : u8 { none = 0, ept = 1, triple = 2 };

struct Slot {
  char name[8] = {};
  VmxVm vmx;
  Vcpu vcpu;
  ConsoleUart uart;
  ExitPorts exits;
  Fault fault = Fault::none;
  Error setup_error;
  Slot() : uart(vmx.vm.console), exits(vmx.vm) {}
};

// VM console lines go to the hypervisor's log, "[vm0] text": one log call
// per line keeps lines of parallel VMs whole.
class LogLineSink final : public ConsoleLineSink {
 public:
  void line(Str vm_name, Str text) override { log::info("[{}] {}", vm_name, text); }
};
constinit LogLineSink g_log_sink;

constinit Slot* g_slots[kMaxCpus] = {};
constinit u32 g_slot_count = 0;

void run_slot(void* arg) {
  Slot& s = *static_cast<Slot*>(arg);
  GuestStart start;
  start.mode = GuestStart::Mode::protected32;
  start.rip = kGuestLoad;
  start.rsp = kGuestStack;
  s.setup_error = setup_vcpu(s.vcpu, s.vmx, start);
  if (!s.setup_error.ok()) {
    s.vmx.vm.stopped = true;
    s.vmx.vm.stop_reason = StopReason::hypervisor_error;
    s.vmx.vm.diagnose("VMCS set-up failed: {} ({})", s.setup_error.what, status_name(s.setup_error.status));
    return;
  }
  // A host timer interrupt while the guest runs (2 ms; smp/cross_call.cpp
  // handles the vector): the external-interrupt exit path, where the host
  // takes it through its IDT and the guest resumes.
  lapic::arm_oneshot(lapic::kVectorTimer, static_cast<u32>(min<u64>(clock::calibration().lapic_timer_hz / 500, 0xFFFFFFFF)));
  run_vcpu(s.vcpu);
}

struct GuestImage {
  const char* start;
  const char* end;
};

Result<Slot*> make_slot(u32 cpu_index, u64 timer, Fault fault, GuestImage guest) {
  const u64 pages = align_up(sizeof(Slot), kPageSize) / kPageSize;
  const Result<u64> mem = frame_allocator().alloc_contiguous(pages);
  const Result<u64> vmcs = frame_allocator().alloc();
  if (!mem || !vmcs) return make_error(Status::out_of_memory, "no memory for a test VM");
  Slot* s = new (phys_to_virt<void>(mem.value())) Slot();
  BufferSink name(s->name, sizeof s->name - 1);
  format(name, "vm{}", cpu_index);
  s->fault = fault;
  s->vmx.vm.console.sink = &g_log_sink;
  const Error e = create_vmx_vm(s->vmx, Str(s->name), cpu_index, kGuestRam);
  if (!e.ok()) return e;
  const u64 size = static_cast<u64>(guest.end - guest.start);
  const Span<u8> image = s->vmx.vm.guest_ram(kGuestLoad, size);
  if (image.empty()) return make_error(Status::invalid_argument, "guest image larger than the VM's RAM");
  for (u64 i = 0; i < size; ++i) image[i] = static_cast<u8>(guest.start[i]);
  (void)s->vmx.vm.io.attach(ConsoleUart::kBase, ConsoleUart::kBase + 7, s->uart);
  (void)s->vmx.vm.io.attach(ExitPorts::kDebugExit, ExitPorts::kDebugExit, s->exits);
  (void)s->vmx.vm.io.attach(ExitPorts::kBochsShutdown, ExitPorts::kBochsShutdown, s->exits);
  s->vcpu.vmcs_phys = vmcs.value();
  s->vcpu.vpid = static_cast<u16>(cpu_index + 1);  // VPID 0 is the host's
  s->vcpu.state.preemption_timer = capabilities().has_preemption_timer() ? timer : 0;
  s->vcpu.regs.rbx = static_cast<u64>(fault);
  return s;
}

bool as_expected(const Slot& s) {
  const Vm& vm = s.vmx.vm;
  switch (s.fault) {
    case Fault::none: return vm.stop_reason == StopReason::guest_exit && vm.exit_code == 0;
    case Fault::ept: return vm.stop_reason == StopReason::bad_memory_access;
    case Fault::triple: return vm.stop_reason == StopReason::triple_fault;
  }
  return false;
}

void report(const Slot& s, u32 cpu_index) {
  const Vm& vm = s.vmx.vm;
  const ExitStats& st = s.vcpu.stats;
  if (vm.stop_reason == StopReason::guest_exit)
    log::info("{} on cpu {}: the guest exited with code {}", vm.name, cpu_index, vm.exit_code);
  else
    log::info("{} on cpu {}: stopped: {}: {}", vm.name, cpu_index, stop_reason_name(vm.stop_reason), vm.diagnosis());
  log::info("{}: {} exits (reason, count, average and minimum TSC ticks in the hypervisor):", vm.name, st.total());
  for (u32 r = 0; r < kExitReasonCount; ++r)
    if (st.count[r])
      log::info("{}:   {:<30} {:>8} {:>8} {:>8}", vm.name, exit_reason_name(r), st.count[r],
                st.tsc[r] / st.count[r], st.min_tsc[r]);
}

}  // namespace

TestVmsResult run_test_vms(const Cmdline& cmdline) {
  TestVmsResult result;
  u64 timer = kDefaultTimer;
  Str value;
  if (cmdline.value("vmx.timer", value) && !parse_u64(value, timer))
    log::warn("vmx: vmx.timer={} is not a number; using {}", value, kDefaultTimer);
  Fault last_fault = Fault::none;
  if (cmdline.value("guest.fault", value)) {
    if (value == "ept") last_fault = Fault::ept;
    else if (value == "triple") last_fault = Fault::triple;
    else log::warn("vmx: guest.fault={} is not ept or triple; ignoring it", value);
  }

  GuestImage guest{test_guest_start, test_guest_end};
  if (cmdline.value("guest", value)) {
    if (value == "bench") guest = GuestImage{bench_guest_start, bench_guest_end};
    else if (!(value == "test")) log::warn("vmx: guest={} is not test or bench; running the test guest", value);
  }

  const CpuSet online = smp::online_cpus();
  u32 last = 0;
  for (u32 i = 0; i < kMaxCpus; ++i)
    if (online.contains(i)) last = i;
  for (u32 i = 0; i < kMaxCpus; ++i) {
    if (!online.contains(i)) continue;
    const Result<Slot*> slot = make_slot(i, timer, i == last ? last_fault : Fault::none, guest);
    if (!slot) {
      log::error("vmx: cannot create the test VM for cpu {}: {}", i, slot.error().what);
      continue;
    }
    g_slots[i] = slot.value();
    g_slot_count = i + 1;
    ++result.vms;
  }
  log::info("vmx: starting {} test VMs, one per core ({} KiB RAM each, preemption timer {})", result.vms,
            kGuestRam / KiB, g_slots[0] ? g_slots[0]->vcpu.state.preemption_timer : 0);
  for (u32 i = 1; i < g_slot_count; ++i)
    if (g_slots[i]) (void)smp::start_work(i, run_slot, g_slots[i]);
  if (g_slots[0]) run_slot(g_slots[0]);
  for (u32 i = 1; i < g_slot_count; ++i)
    while (g_slots[i] && !smp::work_done(i)) cpu::pause();

  for (u32 i = 0; i < g_slot_count; ++i) {
    if (!g_slots[i]) continue;
    report(*g_slots[i], i);
    if (as_expected(*g_slots[i])) ++result.as_expected;
  }
  log::info("vmx: {}/{} test VMs ended as expected", result.as_expected, result.vms);
  return result;
}

void exits_json(Sink& out) {
  JsonObjectWriter vms(out);
  for (u32 i = 0; i < g_slot_count; ++i) {
    if (!g_slots[i]) continue;
    char buffer[1024];
    BufferSink one(buffer, sizeof buffer);
    JsonObjectWriter counts(one);
    const ExitStats& st = g_slots[i]->vcpu.stats;
    for (u32 r = 0; r < kExitReasonCount; ++r)
      if (st.count[r]) counts.field(exit_reason_name(r), st.count[r]);
    counts.close();
    vms.raw_field(Str(g_slots[i]->name), one.view());
  }
  vms.close();
}

}  // namespace nucleo::vmx

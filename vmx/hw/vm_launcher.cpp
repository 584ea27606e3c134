// SPDX-License-Identifier: MIT
// Configured VMs: parse the file, build each valid VM, run all vCPUs on
// their cores, collect how each VM ended. Guest SMP follows the hardware:
// application-processor vCPUs enter VMX non-root in the wait-for-SIPI
// activity state, and the guest's own INIT-SIPI-SIPI (through its virtual
// local APIC) starts them.
#include "vmx/hw/vm_launcher.hpp"

#include "kernel/arch/cpu.hpp"
#include "kernel/arch/lapic.hpp"
#include "kernel/boot_info/modules.hpp"
#include "kernel/config/vm_config.hpp"
#include "kernel/virt/channel/channel_table.hpp"
#include "kernel/console/log.hpp"
#include "kernel/lib/json_writer.hpp"
#include "kernel/lib/placement_new.hpp"
#include "kernel/memory/boot_memory.hpp"
#include "kernel/time/clock.hpp"
#include "smp/cross_call.hpp"
#include "smp/percpu.hpp"
#include "smp/smp.hpp"
#include "vmx/core/exit_reason.hpp"
#include "vmx/hw/guest_console.hpp"
#include "vmx/hw/guest_core_reset.hpp"
#include "vmx/hw/guest_vm.hpp"
#include "vmx/hw/vcpu.hpp"
#include "vmx/hw/vmx_root.hpp"

namespace nucleo::vmx {

namespace {

constinit Config g_config;
constinit ChannelTable g_channels;
constinit char g_config_scratch[4096];
constinit Str g_config_name;
constinit GuestVm* g_vms[kMaxVms] = {};
constinit u32 g_vm_count = 0;
constinit u16 g_next_vpid = 0x100;  // above the test VMs' (core index + 1)
// vm.max_restarts=N (long tests): restarts of a crashing VM before it is
// left down; GuestVm::kMaxRestarts by default.
constinit u32 g_max_restarts = GuestVm::kMaxRestarts;
constexpr u64 kMaxRestartsLimit = 1000;

void report_config_errors(const Config& c) {
  if (!c.file_ok)
    log::error("config {}:{}:{}: {}", g_config_name, c.file_error.line, c.file_error.column, c.file_error.what);
  if (c.vms_dropped) log::error("config {}: {} [[vm]] sections beyond {} ignored", g_config_name, c.vms_dropped, kMaxVms);
  for (u32 i = 0; i < c.vm_count; ++i) {
    const VmConfig& vm = c.vms[i];
    if (vm.valid) continue;
    log::error("config {}:{}:{}: {} (VM '{}' is not started)", g_config_name, vm.error.line, vm.error.column,
               vm.error.what, vm.name.empty() ? Str("?") : vm.name);
  }
}

// Runs vCPU `index` of `g` on this core until its VM stops.
void run_one(GuestVm& g, u32 index) {
  Vcpu& v = g.vcpus[index];
  v.starts_waiting = index != 0;
  reset_guest_core_state();  // nothing of an earlier boot (or VM) in this core's guest state
  const Error e = setup_vcpu(v, g.vmx, index == 0 ? g.boot_start : GuestVm::ap_start());
  if (!e.ok()) {
    g.stop(StopReason::hypervisor_error);
    g.vmx.vm.diagnose("vCPU {}: VMCS set-up failed: {} ({})", index, e.what, status_name(e.status));
    return;
  }
  run_vcpu(v);
}

// The vCPU's task on its core. vCPU 0's also owns the VM's life cycle:
// when the VM stops it gathers the other vCPUs, and a crash of a VM whose
// on_crash is "restart" boots it again on the same cores (docs/config.md).
void run_vcpu_task(void* arg) {
  VcpuTask& task = *static_cast<VcpuTask*>(arg);
  GuestVm& g = *task.vm;
  for (;;) {
    run_one(g, task.index);
    const u64 down_tsc = cpu::rdtsc();
    g.kick_all_but(task.index);
    if (task.index != 0) return;
    g_channels.vm_stopped(g.config_index);
    for (u32 i = 1; i < g.vcpu_count; ++i)
      while (!smp::work_done(g.cores[i])) {
        g.kick_all_but(0);
        clock::delay_us(1000);
      }
    // The guest's last lines before the hypervisor's own about its end.
    (void)drain_guest_console(g.console_queue, true);
    const bool restart = g.crashed() && g.config->on_crash == VmConfig::OnCrash::restart;
    if (!restart) return;
    const Vm& vm = g.vmx.vm;
    if (g.restarts >= g_max_restarts) {
      log::error("vm {}: stopped: {}: {}; not restarted again after {} restarts", vm.name,
                 stop_reason_name(vm.stop_reason), vm.diagnosis(), g.restarts);
      return;
    }
    log::warn("vm {}: stopped: {}: {}; restarting it (restart {})", vm.name, stop_reason_name(vm.stop_reason),
              vm.diagnosis(), g.restarts + 1);
    char why_text[200];
    BufferSink why(why_text, sizeof why_text);
    const Error e = g.restart(why);
    if (!e.ok()) {
      log::error("vm {}: cannot restart: {}", vm.name, why.view().empty() ? Str(e.what) : why.view());
      return;
    }
    g_channels.vm_started(g.config_index);
    for (u32 i = 1; i < g.vcpu_count; ++i) (void)smp::start_work(g.cores[i], run_vcpu_task, &g.tasks[i]);
    // When it was away, for tests that show the other VMs went on meanwhile.
    log::info("vm {}: restarted (restart {}); down from TSC {} to {}", vm.name, g.restarts, down_tsc, cpu::rdtsc());
  }
}

void report_vm(const GuestVm& g) {
  const Vm& vm = g.vmx.vm;
  if (vm.stop_reason == StopReason::guest_exit)
    log::info("vm {}: the guest exited with code {} ({} restarts)", vm.name, vm.exit_code, g.restarts);
  else
    log::info("vm {}: stopped: {}: {} ({} restarts)", vm.name, stop_reason_name(vm.stop_reason), vm.diagnosis(),
              g.restarts);
  if (g.console_queue.dropped())
    log::warn("vm {}: {} console lines dropped (its console queue of {} lines was full)", vm.name,
              g.console_queue.dropped(), ConsoleQueue::kLines);
  for (u32 i = 0; i < g.vcpu_count; ++i) {
    const ExitStats& st = g.vcpus[i].stats;
    log::info("vm {}: vCPU {} on cpu {}: {} exits (reason, count, average and minimum TSC ticks):", vm.name, i,
              g.cores[i], st.total());
    for (u32 r = 0; r < kExitReasonCount; ++r)
      if (st.count[r])
        log::info("vm {}:   {:<30} {:>8} {:>8} {:>8}", vm.name, exit_reason_name(r), st.count[r],
                  st.tsc[r] / st.count[r], st.min_tsc[r]);
  }
}

// loglevel=debug: every 2 s of waiting, each vCPU's exits so far.
void log_progress() {
  if (log::level() < log::Level::debug) return;
  for (u32 k = 0; k < g_vm_count; ++k)
    for (u32 i = 0; i < g_vms[k]->vcpu_count; ++i) {
      const ExitStats& st = g_vms[k]->vcpus[i].stats;
      char text[200];
      BufferSink out(text, sizeof text);
      for (u32 r = 0; r < kExitReasonCount; ++r)
        if (st.count[r]) format(out, " {}={}", r, st.count[r]);
      const VcpuState& s = g_vms[k]->vcpus[i].state;
      log::debug("vm {}: vCPU {}: {} exits:{}; hypercalls {}, started {}, timer {:#x}, pending {:#x}, events {}",
                 g_vms[k]->vmx.vm.name, i, st.total(), out.view(), s.hypercalls, s.started, s.timer_deadline,
                 s.pending_vector, s.events_any);
    }
}

u32 valid_vms(const Config& c) {
  u32 n = 0;
  for (u32 i = 0; i < c.vm_count; ++i) n += c.vms[i].valid ? 1 : 0;
  return n;
}

bool all_done() {
  for (u32 k = 0; k < g_vm_count; ++k)
    for (u32 i = 0; i < g_vms[k]->vcpu_count; ++i)
      if (g_vms[k]->cores[i] != this_cpu().index && !smp::work_done(g_vms[k]->cores[i])) return false;
  return true;
}

}  // namespace

GuestVm* configured_vm(u32 config_index) {
  for (u32 k = 0; k < g_vm_count; ++k)
    if (g_vms[k]->config_index == config_index) return g_vms[k];
  return nullptr;
}

GuestVm* configured_vm_by_eptp(u64 eptp) {
  for (u32 k = 0; k < g_vm_count; ++k)
    if (g_vms[k]->vmx.ept.eptp() == eptp) return g_vms[k];
  return nullptr;
}

ChannelTable* configured_channels() { return g_channels.count() ? &g_channels : nullptr; }

LaunchResult run_configured_vms(const mb2::BootInfo& info, const Cmdline& cmdline) {
  LaunchResult result;
  Str wanted;
  (void)cmdline.value("config", wanted);
  const mb2::Module* module = mb2::find_config_module(info, wanted);
  if (!module) {
    if (!wanted.empty()) log::error("config: config={} names no Multiboot2 module", wanted);
    return result;
  }
  result.config_found = true;
  g_config_name = module->cmdline;
  const Str text(phys_to_virt<const char>(module->start), module->end - module->start);
  const u32 online = smp::cpu_count();
  parse_config(text, Span<char>(g_config_scratch, sizeof g_config_scratch), online, g_config);
  result.vms_in_file = g_config.vm_count;
  report_config_errors(g_config);
  result.config_errors = !g_config.file_ok || g_config.vms_dropped != 0;
  for (u32 i = 0; i < g_config.vm_count; ++i) result.config_errors |= !g_config.vms[i].valid;
  log::info("config {}: {} [[vm]] sections, {} valid", g_config_name, g_config.vm_count, valid_vms(g_config));

  // Channel regions: host memory shared by the two VMs' EPTs; the
  // hypervisor never reads them.
  g_channels.build(g_config);
  for (u32 k = 0; k < g_channels.count(); ++k) {
    Channel& ch = g_channels.channel(k);
    const Result<u64> region = frame_allocator().alloc_contiguous(ch.size / kPageSize);
    if (!region) {
      log::error("channel {}: no host memory for its {} KiB", ch.name, ch.size / KiB);
      return result;
    }
    for (u64 b = 0; b < ch.size; ++b) phys_to_virt<u8>(region.value())[b] = 0;
    ch.host_address = region.value();
    log::info("channel {}: {} KiB between VMs '{}' and '{}'", ch.name, ch.size / KiB,
              g_config.vms[ch.ends[0].vm].name, g_config.vms[ch.ends[1].vm].name);
  }
  for (u32 i = 0; i < g_config.vm_count; ++i) {
    const VmConfig& c = g_config.vms[i];
    if (!c.valid) continue;
    char why_text[200];
    BufferSink why(why_text, sizeof why_text);
    const Result<GuestVm*> vm = GuestVm::create(c, i, info, g_next_vpid, why);
    if (!vm) {
      log::error("vm {}: not started: {}", c.name, why.view().empty() ? Str(vm.error().what) : why.view());
      continue;
    }
    g_next_vpid = static_cast<u16>(g_next_vpid + c.core_count);
    g_vms[g_vm_count++] = vm.value();
    char cores[160];
    BufferSink cores_text(cores, sizeof cores);
    for (u32 k = 0; k < c.core_count; ++k) format(cores_text, k ? ",{}" : "{}", c.core_list[k]);
    log::info("vm {}: {} vCPU(s) on cores {}, {} MiB, kernel '{}'", c.name, c.core_count, cores_text.view(),
              c.memory_bytes / MiB, c.kernel);
  }
  result.vms_started = g_vm_count;
  for (u32 k = 0; k < g_vm_count; ++k) g_channels.vm_started(g_vms[k]->config_index);
  CpuSet kept = CpuSet::first_n(online);
  for (u32 k = 0; k < g_vm_count; ++k)
    for (u32 i = 0; i < g_vms[k]->vcpu_count; ++i) kept.remove(g_vms[k]->cores[i]);
  log::info("vms: {} started, {} of {} cores stay with the hypervisor", g_vm_count, kept.count(), online);

  // NMIs on a VM's core are kicks to deliver a virtual NMI (GuestVm::
  // IpiKick), which the host path only counts: armed on every VM core
  // before any vCPU runs, so a guest's NMI IPI to a sibling whose task has
  // not started yet is no fatal host exception (issue 13, hole 2).
  for (u32 k = 0; k < g_vm_count; ++k)
    for (u32 i = 0; i < g_vms[k]->vcpu_count; ++i)
      if (PerCpu* core = smp::cpu(g_vms[k]->cores[i])) __atomic_store_n(&core->nmi_expected, 1u, __ATOMIC_RELEASE);
  Str restarts_text;
  u64 max_restarts = 0;
  if (cmdline.value("vm.max_restarts", restarts_text)) {
    if (parse_u64(restarts_text, max_restarts) && max_restarts <= kMaxRestartsLimit)
      g_max_restarts = static_cast<u32>(max_restarts);
    else
      log::warn("cmdline: vm.max_restarts={} is not a number up to {}; keeping {}", restarts_text, kMaxRestartsLimit,
                g_max_restarts);
  }
  // vm.ap_delay_ms=N (tests): the tasks of vCPUs 1.. start N ms after the
  // boot vCPUs', a window in which a guest can reach a sibling not started.
  u64 ap_delay_ms = 0;
  Str delay_text;
  if (cmdline.value("vm.ap_delay_ms", delay_text) && (!parse_u64(delay_text, ap_delay_ms) || ap_delay_ms > 10000)) {
    log::warn("cmdline: vm.ap_delay_ms={} is not a number of milliseconds up to 10000; no delay", delay_text);
    ap_delay_ms = 0;
  }
  // Every vCPU on its own core; the boot CPU's own vCPU (if any) last.
  // Without one, the boot core drains the VMs' console queues meanwhile.
  bool boot_core_runs_a_vcpu = false;
  for (u32 k = 0; k < g_vm_count; ++k)
    for (u32 i = 0; i < g_vms[k]->vcpu_count; ++i) boot_core_runs_a_vcpu |= g_vms[k]->cores[i] == this_cpu().index;
  set_idle_drainer(!boot_core_runs_a_vcpu);
  VcpuTask* mine = nullptr;
  for (u32 pass = 0; pass < 2; ++pass) {
    if (pass == 1 && ap_delay_ms) clock::delay_us(ap_delay_ms * 1000);
    for (u32 k = 0; k < g_vm_count; ++k)
      for (u32 i = pass; i < (pass == 0 ? 1 : g_vms[k]->vcpu_count); ++i) {
        VcpuTask& t = g_vms[k]->tasks[i];
        if (g_vms[k]->cores[i] == this_cpu().index) mine = &t;
        else (void)smp::start_work(g_vms[k]->cores[i], run_vcpu_task, &t);
      }
  }
  if (mine) run_vcpu_task(mine);
  // A stopped VM's vCPUs were kicked once by the vCPU that stopped it; a
  // kick can miss a core that was between exits, so repeat until all are out.
  // This core, otherwise idle, helps the VMs' console lines out.
  for (u64 waited_ms = 0; !all_done(); ++waited_ms) {
    for (u32 k = 0; k < g_vm_count; ++k) {
      if (g_vms[k]->vmx.vm.stopped) g_vms[k]->kick_all_but(kMaxVmCores);
      (void)drain_guest_console(g_vms[k]->console_queue, false);
    }
    clock::delay_us(1000);
    if (waited_ms % 2000 == 1999) log_progress();
  }

  for (u32 k = 0; k < g_vm_count; ++k) (void)drain_guest_console(g_vms[k]->console_queue, true);
  for (u32 k = 0; k < g_vm_count; ++k) {
    report_vm(*g_vms[k]);
    const Vm& vm = g_vms[k]->vmx.vm;
    if (vm.stop_reason == StopReason::guest_exit && vm.exit_code == 0) ++result.vms_exited_0;
    if (vm.stop_reason != StopReason::guest_exit) ++result.vms_crashed;
  }
  log::info("vms: {} started, {} exited with code 0, {} crashed", result.vms_started, result.vms_exited_0,
            result.vms_crashed);
  return result;
}

void configured_vms_json(Sink& out) {
  JsonObjectWriter vms(out);
  for (u32 k = 0; k < g_vm_count; ++k) {
    const GuestVm& g = *g_vms[k];
    char buffer[2048];
    BufferSink one(buffer, sizeof buffer);
    JsonObjectWriter vm(one);
    vm.field("code", g.vmx.vm.exit_code);
    vm.field("stop", Str(stop_reason_name(g.vmx.vm.stop_reason)));
    vm.field("vcpus", static_cast<u64>(g.vcpu_count));
    vm.field("restarts", static_cast<u64>(g.restarts));
    vm.field("console_dropped", g.console_queue.dropped());
    char counts_buffer[1024];
    BufferSink counts_text(counts_buffer, sizeof counts_buffer);
    JsonObjectWriter counts(counts_text);
    for (u32 r = 0; r < kExitReasonCount; ++r) {
      u64 n = 0;
      for (u32 i = 0; i < g.vcpu_count; ++i) n += g.vcpus[i].stats.count[r];
      if (n) counts.field(exit_reason_name(r), n);
    }
    counts.close();
    vm.raw_field("exits", counts_text.view());
    vm.close();
    vms.raw_field(g.vmx.vm.name, one.view());
  }
  vms.close();
}

}  // namespace nucleo::vmx

// SPDX-License-Identifier: MIT
#include "kernel/boot_report.hpp"

#include "kernel/console/log.hpp"
#include "kernel/lib/json_writer.hpp"
#include "kernel/power/power.hpp"
#include "kernel/time/clock.hpp"

namespace nucleo {

namespace {
constinit BootReport g_report;
constinit bool g_finishing = false;
}  // namespace

BootReport& boot_report() { return g_report; }

void finish(ExitCode code, Str status) {
  // A fault while finishing (e.g. in ACPI power-off) must not recurse.
  if (g_finishing) power::halt_with_message();
  g_finishing = true;

  char buffer[4096];
  BufferSink line(buffer, sizeof buffer);
  line.write("NUCLEO-RESULT ");
  JsonObjectWriter json(line);
  json.field("status", status);
  json.field("code", static_cast<u64>(code));
  json.field("cpus_online", static_cast<u64>(g_report.cpus_online));
  json.field("cpus_expected", static_cast<u64>(g_report.cpus_expected));
  json.field("apic_mode", g_report.apic_mode);
  json.field("smp_mode", g_report.smp_mode);
  json.field("smp_bringup_tsc", g_report.smp_bringup_tsc);
  json.field("smp_bringup_ns", g_report.smp_bringup_ns);
  json.field("tsc_khz", g_report.tsc_khz);
  json.field("clock_source", g_report.clock_source);
  json.field("vmx_cores", static_cast<u64>(g_report.vmx_cores));
  json.field("vms", static_cast<u64>(g_report.vms));
  json.field("vms_as_expected", static_cast<u64>(g_report.vms_as_expected));
  if (g_report.exits_json) {
    char exits[2048];
    BufferSink exits_text(exits, sizeof exits);
    g_report.exits_json(exits_text);
    if (exits_text.dropped() == 0) json.raw_field("exits", exits_text.view());
  }
  if (g_report.vm_results_json) {
    char results[3072];
    BufferSink results_text(results, sizeof results);
    g_report.vm_results_json(results_text);
    if (results_text.dropped() == 0) json.raw_field("vm_results", results_text.view());
  }
  json.field("ram_total_mib", g_report.ram_total_bytes / MiB);
  json.field("ram_usable_kib", g_report.ram_usable_bytes / KiB);
  json.field("frames_free", g_report.frames_free);
  json.field("boot_loader", g_report.boot_loader);
  json.field("cmdline", g_report.cmdline);
  json.close();
  line.write("\n");

  // What the consoles cost this run (tools/nucleo bench console).
  char timing[400];
  BufferSink timing_text(timing, sizeof timing);
  console::describe_timing(timing_text);
  log::debug("console: {} us since kernel entry; {}", clock::ns_since_boot() / 1000, timing_text.view());
  log::info("nucleo: finished with status {} (code {}), powering off", status, static_cast<u8>(code));
  console::write(line.view());
  power::power_off(static_cast<u8>(code));
}

}  // namespace nucleo

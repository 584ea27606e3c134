// SPDX-License-Identifier: MIT
// What the boot found, filled in as it goes, and the way every run ends:
// a human line, the machine-readable result line, then power-off.
//   NUCLEO-RESULT {"status":"ok","code":0,"ram_total_mib":256,...}
#pragma once

#include "kernel/exit_code.hpp"
#include "kernel/lib/format.hpp"

namespace nucleo {

struct BootReport {
  Str cmdline;
  Str boot_loader;
  u64 ram_total_bytes = 0;
  u64 ram_usable_bytes = 0;
  u64 frames_free = 0;
  u32 cpus_online = 1;
  u32 cpus_expected = 1;
  Str apic_mode = "none";
  Str smp_mode = "off";
  u64 smp_bringup_tsc = 0;  // first INIT to last AP online
  u64 smp_bringup_ns = 0;
  u64 tsc_khz = 0;
  Str clock_source = "none";
  u32 vmx_cores = 0;  // cores in VMX root operation
  u32 vms = 0;
  u32 vms_as_expected = 0;
  void (*exits_json)(Sink& out) = nullptr;  // per-VM exit counts (test VMs)
  void (*vm_results_json)(Sink& out) = nullptr;  // per configured VM: how it ended, its exits
};

BootReport& boot_report();

// status: "ok", "panic", "exception", "error". Never returns.
[[noreturn]] void finish(ExitCode code, Str status);

}  // namespace nucleo

// SPDX-License-Identifier: MIT
// Every core of the machine: the CPU list from the MADT, the boot CPU's
// per-CPU data, and the start-up of the application processors with
// INIT-SIPI-SIPI (SDM Vol. 3A 10.4), one at a time or all together.
#pragma once

#include "kernel/boot_info/cmdline.hpp"
#include "kernel/boot_info/multiboot2.hpp"
#include "kernel/lib/cpu_set.hpp"
#include "smp/percpu.hpp"

namespace nucleo::smp {

enum class Bringup : u8 { serial, parallel };

struct Stats {
  u32 expected = 1;  // enabled CPUs in the MADT (at least the boot CPU)
  u32 online = 1;
  u32 not_answering = 0;
  Bringup mode = Bringup::parallel;
  u64 bringup_tsc = 0;  // first INIT to last AP online
  u64 bringup_ns = 0;
};

// The boot CPU's per-CPU area (static: it exists before the allocator).
PerCpu& boot_cpu();

// Boot CPU, after memory and ACPI: its per-CPU data, GS, LAPIC.
// Command line: apic=auto|xapic (xapic: stay in xAPIC mode even when the
// CPU has x2APIC, to exercise the MMIO path).
void init_boot_cpu(const Cmdline& cmdline);

// Starts every enabled AP listed in the MADT. Command line:
//   smp=parallel|serial|off, smp.init_delay_us=N (default 10000, SDM).
void start_aps(const mb2::BootInfo& info, const Cmdline& cmdline);

const Stats& stats();
u32 cpu_count();          // CPUs online
PerCpu* cpu(u32 index);   // nullptr if no such online CPU
CpuSet online_cpus();

}  // namespace nucleo::smp

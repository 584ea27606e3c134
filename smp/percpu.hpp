// SPDX-License-Identifier: MIT
// Per-CPU data: one non-polymorphic struct per CPU, reached through GS
// (IA32_GS_BASE points at it; its first field points at itself, so
// `mov %gs:0` yields a normal pointer). Offsets used by assembly are
// static_assert'ed here.
#pragma once

#include "kernel/arch/cpu_tables.hpp"
#include "kernel/lib/types.hpp"

namespace nucleo {

struct PerCpu {
  PerCpu* self;
  u32 index;     // 0 = boot CPU, then MADT order
  u32 apic_id;
  u64 stack_top;
  u64 online_ns;   // time since boot when it came online
  u64 online_tsc;
  u32 state;      // CpuState: starting -> online (by the AP) or abandoned (by the BSP)
  u32 nmi_count;  // NMIs taken while nmi_expected
  u32 nmi_expected;
  u32 call_pending;  // a cross-call waits for this CPU
  u32 timer_fired;   // LAPIC timer interrupts taken
  u64 timer_armed_tsc;
  u64 timer_fired_tsc;
  void (*work_fn)(void*);  // run by this CPU's idle loop (smp::start_work)
  void* work_arg;
  u32 work_busy;
  u64 vmxon_region;   // physical; allocated by the boot CPU
  u32 vmx_root;       // 1 once VMXON succeeded on this CPU
  u32 vmx_caps_differ;
  CpuTables tables;
};
static_assert(__builtin_offsetof(PerCpu, self) == 0);

// The AP and the boot CPU race for the last word with a compare-and-swap: a
// CPU that answers after the boot CPU gave up on it parks itself for good
// instead of joining a system that does not count it.
enum CpuState : u32 { kCpuStarting = 0, kCpuOnline = 1, kCpuAbandoned = 2 };

inline PerCpu& this_cpu() {
  PerCpu* p;
  asm volatile("mov %%gs:0, %0" : "=r"(p));
  return *p;
}

// Points GS at `cpu` on the calling CPU.
void install_percpu(PerCpu& cpu);
// False before the boot CPU installed its per-CPU data (GS is 0 then).
bool percpu_ready();

}  // namespace nucleo

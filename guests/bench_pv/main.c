/* SPDX-License-Identifier: MIT */
/* bench_pv: the paravirtualized half of `tools/nucleo bench fv-pv`
 * (docs/bench-fv-pv.md). It runs each workload once, printing one
 * "bench: NAME OPS TICKS EXITS HV_TICKS" line per workload, and exits with
 * NUCLEO_HC_EXIT 0 when every workload ran (bpv.h lists the codes). */
#include "bpv.h"

enum {
  CONSOLE_KIB = 4, TIME_CALLS = 1000, TIMER_SHOTS = 500, SELF_EVENTS = 500, IDLE_CYCLES = 100,
  IDLE_DELAY = 20000, /* TSC ticks of each sleep, as bench_fv's */
  IPI_ROUNDS = 200,
};
/* The console workloads wait until this many TSC ticks after boot: bench_fv
 * prints its KiBs first (about 25 M ticks in Bochs, where the host's 16550
 * at 115200 baud sets the pace), and lines of two VMs share the host
 * console, so overlapping would time each VM waiting for the other. */
static const u64 kConsoleStart = 80000000;

void guest_main(u32 magic, u64 info);
void guest_main(u32 magic, u64 info) {
  (void)magic, (void)info;
  console_init("bench_pv: ");
  handlers_init();
  idt_init();
  say("PV benchmark guest (Multiboot2, 64-bit, hypercalls only)");
  if (!meter_init()) {
    say("FAIL the EXIT_STATS meter is not available");
    guest_exit(EXIT_METER);
  }
  const u64 boot = rdtsc();
  bench_time(TIME_CALLS);
  bench_self_event(SELF_EVENTS);
  bench_timer(TIMER_SHOTS);
  bench_idle(IDLE_CYCLES, IDLE_DELAY, true);
  bench_idle(IDLE_CYCLES, IDLE_DELAY, false);
  bench_ipi_roundtrip(IPI_ROUNDS);
  sleep_until(boot + kConsoleStart);
  bench_console(CONSOLE_KIB, 64, "console_write_64");
  bench_console(CONSOLE_KIB, 1024, "console_write_1k");
  say("bench: done");
  guest_exit(EXIT_OK);
}

/* SPDX-License-Identifier: MIT */
/* bench_fv: the unmodified-guest half of `tools/nucleo bench fv-pv`
 * (docs/bench-fv-pv.md). It runs each workload once, printing one
 * "bench: NAME OPS TICKS EXITS HV_TICKS" line per workload, and exits
 * through port 0xf4 with 0 when every workload ran (fv.h lists the codes). */
#include "fv.h"

enum {
  CONSOLE_KIB = 4, PIT_READS = 1000, SELF_IPIS = 500, TIMER_SHOTS = 500, IDLE_CYCLES = 100,
  IDLE_DELAY = 20000, /* TSC ticks of each sleep: long against the wake-up path */
  IPI_ROUNDS = 200,
};

void guest_main(u32 magic, u32 info);
void guest_main(u32 magic, u32 info) {
  (void)magic, (void)info;
  console_init("bench_fv: ");
  idt_init();
  handlers_init();
  say("FV benchmark guest (Multiboot1, 32-bit, 16550 + PIT + xAPIC)");
  if (!lapic_init()) {
    say("FAIL no xAPIC at IA32_APIC_BASE");
    guest_exit(EXIT_LAPIC);
  }
  if (!meter_init()) {
    say("FAIL the EXIT_STATS meter is not available");
    guest_exit(EXIT_METER);
  }
  /* Console first: bench_pv prints its KiBs only later (bench_pv/main.c),
   * so the two VMs' lines do not wait for each other's. */
  bench_console(CONSOLE_KIB);
  if (!calibrate_lapic_timer()) {
    say("FAIL the LAPIC timer did not count down against the TSC");
    guest_exit(EXIT_TIMER);
  }
  say("LAPIC timer: %u TSC ticks per 256 counts", g_tsc_per_count_x256);
  bench_pit(PIT_READS);
  bench_self_ipi_eoi(SELF_IPIS);
  bench_timer(TIMER_SHOTS);
  bench_idle(IDLE_CYCLES, IDLE_DELAY);
  if (!start_ap()) {
    say("FAIL the AP did not come online after INIT-SIPI-SIPI");
    guest_exit(EXIT_SMP);
  }
  bench_ipi(IPI_ROUNDS);
  say("bench: done");
  guest_exit(EXIT_OK);
}

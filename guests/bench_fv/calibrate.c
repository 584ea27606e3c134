/* SPDX-License-Identifier: MIT */
/* The LAPIC timer's rate (SDM Vol. 3A 11.5.4) in TSC ticks per count at
 * divide-by-1 (lapic_init's setting): the workloads give delays in TSC
 * ticks and program the timer in counts. */
#include "fv.h"

enum { CALIBRATION_COUNTS = 200000, MAX_POLLS = 1000000 };

u32 g_tsc_per_count_x256;

/* A masked one-shot count of CALIBRATION_COUNTS, timed with the TSC from
 * the initial-count write until the current count reads 0. */
bool calibrate_lapic_timer(void) {
  lapic_write(APIC_LVT_TIMER, APIC_LVT_MASKED | VEC_TIMER);
  const u64 t0 = rdtsc();
  lapic_write(APIC_TIMER_INITIAL, CALIBRATION_COUNTS);
  for (u32 i = 0; i < MAX_POLLS && lapic_read(APIC_TIMER_CURRENT) != 0; ++i) pause();
  const u64 ticks = rdtsc() - t0;
  if (lapic_read(APIC_TIMER_CURRENT) != 0 || ticks >> 24) return false;
  g_tsc_per_count_x256 = (u32)(ticks * 256) / CALIBRATION_COUNTS;
  return g_tsc_per_count_x256 != 0;
}

/* SPDX-License-Identifier: MIT */
/* CLI and spin: interrupts off for a bounded number of TSC ticks. The
 * hypervisor must keep control of its core anyway (on VT-x the VMX
 * preemption timer, exit reason 52, runs whatever RFLAGS.IF says: SDM Vol.
 * 3C 26.5.1), and the other VMs, on their own cores, must not notice. Under
 * nucleo the exits taken during the spin are counted with EXIT_STATS. */
#include <nucleo/hypercall.h>

#include "hostile.h"

enum { PREEMPTION_TIMER_EXIT = 52, EXTERNAL_INTERRUPT_EXIT = 1 };

static struct nucleo_hc_exit_stats stats __attribute__((aligned(8)));

/* Total exits and preemption-timer exits so far; false without nucleo. */
static bool exit_counts(u64* total, u64* timer, u64* external) {
  if (!under_nucleo) return false;
  struct hc_regs r = {NUCLEO_HC_EXIT_STATS, (u32)&stats, sizeof stats, 0, 0};
  if (hypercall(&r) != 0 || (i32)r.a < 0) return false;
  *total = stats.total_exits;
  *timer = stats.count[PREEMPTION_TIMER_EXIT];
  *external = stats.count[EXTERNAL_INTERRUPT_EXIT];
  return true;
}

void attack_spin(u32 millions) {
  const u64 ticks = (u64)millions * 1000000;
  say("spin: cli, then spin for %u million TSC ticks with interrupts off", millions);
  u64 total0 = 0, timer0 = 0, ext0 = 0, total1 = 0, timer1 = 0, ext1 = 0;
  const bool counted = exit_counts(&total0, &timer0, &ext0);
  __asm__ volatile("cli");
  const u64 start = rdtsc();
  u64 now = start;
  while (now - start < ticks) now = rdtsc();
  __asm__ volatile("sti; nop; cli"); /* let anything that queued up arrive */
  const bool counted_after = counted && exit_counts(&total1, &timer1, &ext1);
  /* What matters is outside: the other VMs' consoles go on. Here only that
   * the hypervisor took its core back meanwhile, when it can be counted. */
  if (counted_after)
    say("  -> spun %X ticks; exits meanwhile %X (preemption timer %X, external interrupt %X): %s", now - start,
        total1 - total0, timer1 - timer0, ext1 - ext0, verdict(total1 > total0 + 1));
  else if (under_nucleo)
    say("  -> spun %X ticks; exits not counted (EXIT_STATS failed): judged by the other VMs' consoles", now - start);
  else
    say("  -> spun %X ticks: %s", now - start, verdict(true));
}

/* SPDX-License-Identifier: MIT */
/* The local APIC timer in its three modes (SDM Vol. 3A 11.5.4): one-shot,
 * periodic and TSC-deadline, each taken as an interrupt that wakes HLT and
 * is acknowledged with an EOI. A timer may be late under an emulator, never
 * early: one-shot and periodic are timed by the PIT stopwatch (the clock the
 * LAPIC timer was calibrated against), the deadline by the TSC it compares
 * with. A timer that never fires leaves the guest in HLT at that check; the
 * check line missing after "lapic: ok" names it. */
#include "pc.h"

enum { MSR_TSC_DEADLINE = 0x6E0, PERIOD_US = 1000, PERIODIC_TICKS = 5, LATE_US = 1000000 /* TSC-timed */ };

volatile u32 g_timer_ticks;

static u32 tsc_to_us(u64 ticks) { return (u32)udiv64(ticks * 1000, (u32)udiv64(g_machine.tsc_hz, 1000)); }

/* HLT until the timer handler has counted to `target`. */
static void wait_ticks(u32 target) {
  cli();
  while (g_timer_ticks < target) {
    sti_hlt();
    cli();
  }
  sti();
}

/* "Not early" allows 10 % for the calibration's error. */
static bool early(u32 us, u32 expected_us) { return us < expected_us - expected_us / 10; }
static u32 shown(u32 us) { return us == PIT_STOPWATCH_WRAPPED ? 54925 : us; } /* "at least" when wrapped */

static void oneshot(void) {
  u32 ticks = g_timer_ticks;
  lapic_write(APIC_LVT_TIMER, VEC_TIMER);
  pit_stopwatch_start();
  lapic_write(APIC_TIMER_INITIAL, lapic_count_for_us(PERIOD_US));
  wait_ticks(ticks + 1);
  u32 us = pit_stopwatch_us();
  /* One-shot: the count stays at 0 and no second interrupt comes. */
  (void)pit_gate_wait(2, NULL, NULL);
  u32 current = lapic_read(APIC_TIMER_CURRENT), extra = g_timer_ticks - ticks - 1;
  if (early(us, PERIOD_US) || current != 0 || extra) {
    check_fail(CHECK_TIMER_ONESHOT, "%u us for %u us, current count %u after it fired, %u extra interrupts", shown(us),
               PERIOD_US, current, extra);
    return;
  }
  check_ok(CHECK_TIMER_ONESHOT, "1 interrupt after %u us of PIT (armed for %u us), current count 0 afterwards",
           shown(us), PERIOD_US);
}

static void periodic(void) {
  u32 ticks = g_timer_ticks, count = lapic_count_for_us(PERIOD_US);
  lapic_write(APIC_LVT_TIMER, APIC_LVT_PERIODIC | VEC_TIMER);
  pit_stopwatch_start();
  lapic_write(APIC_TIMER_INITIAL, count);
  wait_ticks(ticks + PERIODIC_TICKS);
  u32 us = pit_stopwatch_us();
  u32 current = lapic_read(APIC_TIMER_CURRENT); /* reloaded, so still counting */
  lapic_write(APIC_LVT_TIMER, APIC_LVT_MASKED | VEC_TIMER);
  lapic_write(APIC_TIMER_INITIAL, 0);
  u32 expected = PERIODIC_TICKS * PERIOD_US;
  if (early(us, expected) || current == 0 || current > count) {
    check_fail(CHECK_TIMER_PERIODIC, "%u ticks in %u us (expected %u us), current count %u of %u", PERIODIC_TICKS,
               shown(us), expected, current, count);
    return;
  }
  check_ok(CHECK_TIMER_PERIODIC, "%u ticks of %u us in %u us of PIT, counter reloaded (current %u of %u)",
           PERIODIC_TICKS, PERIOD_US, shown(us), current, count);
}

static void deadline(void) {
  u32 r[4];
  cpuid(1, 0, r);
  if (!(r[2] & (1u << 24))) {
    check_skip(CHECK_TIMER_DEADLINE, "no TSC-deadline (CPUID.1:ECX[24] is 0)");
    return;
  }
  u32 ticks = g_timer_ticks;
  lapic_write(APIC_LVT_TIMER, APIC_LVT_TSC_DEADLINE | VEC_TIMER);
  /* The LVT write is MMIO and WRMSR is not ordered after it (SDM Vol. 3A
   * 11.5.4.1): the read back makes sure the mode is set first. */
  (void)lapic_read(APIC_LVT_TIMER);
  u64 t0 = rdtsc(), target = t0 + udiv64(g_machine.tsc_hz, 1000000 / PERIOD_US);
  wrmsr(MSR_TSC_DEADLINE, target);
  wait_ticks(ticks + 1);
  u64 t1 = rdtsc();
  u64 msr = rdmsr(MSR_TSC_DEADLINE); /* cleared when the timer fires */
  lapic_write(APIC_LVT_TIMER, APIC_LVT_MASKED | VEC_TIMER);
  u32 us = tsc_to_us(t1 - t0);
  if (t1 < target || us > LATE_US || msr != 0) {
    check_fail(CHECK_TIMER_DEADLINE, "fired %s the deadline after %u us, IA32_TSC_DEADLINE reads %X afterwards",
               t1 < target ? "before" : "after", us, msr);
    return;
  }
  check_ok(CHECK_TIMER_DEADLINE, "1 interrupt %u us after arming, not before the deadline; IA32_TSC_DEADLINE 0 "
           "afterwards", us);
}

void check_timers(void) {
  oneshot();
  periodic();
  deadline();
}

/* SPDX-License-Identifier: MIT */
/* Time: the TIME sample (TSC frequency, wall clock), the one-shot timer
 * waited for with HLT, and waiting for a flag with BLOCK and the timer as a
 * watchdog. */
#include "pv.h"

u64 g_tsc_hz;

/* Days since 1970-01-01 to a civil date (proleptic Gregorian): shift the
 * year to start on March 1 so the leap day is last, then count 400-year
 * eras of 146097 days. */
static void civil_date(u64 days, u32* year, u32* month, u32* day) {
  const u64 z = days + 719468; /* days from 0000-03-01 */
  const u64 era = z / 146097;
  const u64 doe = z - era * 146097;
  const u64 yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const u64 doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const u64 mp = (5 * doy + 2) / 153;
  *day = (u32)(doy - (153 * mp + 2) / 5 + 1);
  *month = (u32)(mp < 10 ? mp + 3 : mp - 9);
  *year = (u32)(yoe + era * 400 + (*month <= 2));
}

static char digit(u32 v) { return (char)('0' + v % 10); }

void check_time(void) {
  static struct nucleo_hc_time t __attribute__((aligned(8)));
  const u64 before = rdtsc();
  const i64 rc = hc1(NUCLEO_HC_TIME, (u64)&t);
  const u64 after = rdtsc();
  if (rc != 0) fail(EXIT_TIME, "time: TIME returned %X", (u64)rc);
  if (t.tsc_hz < 1000000 || t.reserved != 0)
    fail(EXIT_TIME, "time: TSC frequency %U Hz, reserved %X", t.tsc_hz, t.reserved);
  if (t.tsc < before || t.tsc > after)
    fail(EXIT_TIME, "time: the sample's TSC %U is not between %U and %U read around the call", t.tsc, before, after);
  g_tsc_hz = t.tsc_hz;
  if (t.wall_clock_ns == 0) {
    say("time: TSC %U kHz, wall clock unknown", t.tsc_hz / 1000);
    return;
  }
  const u64 s = t.wall_clock_ns / 1000000000;
  u32 year, month, day;
  civil_date(s / 86400, &year, &month, &day);
  const u32 sod = (u32)(s % 86400);
  const char hms[] = {digit(sod / 36000), digit(sod / 3600), ':', digit(sod % 3600 / 600), digit(sod % 3600 / 60),
                      ':', digit(sod % 60 / 10), digit(sod % 60), 0};
  const char md[] = {digit(month / 10), digit(month), '-', digit(day / 10), digit(day), 0};
  say("time: TSC %U kHz, wall clock %u-%s %s UTC", t.tsc_hz / 1000, year, md, hms);
}

void check_timer(void) {
  sti_nop(); /* nothing stale pending */
  cli();
  const u32 before = interrupts_taken(this_vcpu(), VECTOR_TIMER);
  const u64 delay = g_tsc_hz / 100; /* 10 ms */
  const u64 start = rdtsc();
  const i64 rc = hc2(NUCLEO_HC_TIMER_ONESHOT, delay, VECTOR_TIMER);
  if (rc != 0) fail(EXIT_TIMER, "timer: TIMER_ONESHOT returned %X", (u64)rc);
  u64 now = start;
  while (interrupts_taken(this_vcpu(), VECTOR_TIMER) == before) {
    if (now - start > 1000 * delay) fail(EXIT_TIMER, "timer: no interrupt 10 s after arming a 10 ms one-shot");
    sti_hlt(); /* STI's shadow: the interrupt cannot slip in before HLT */
    cli();
    now = rdtsc();
  }
  sti();
  const u32 taken = interrupts_taken(this_vcpu(), VECTOR_TIMER) - before;
  const u64 elapsed = now - start;
  if (elapsed < delay) fail(EXIT_TIMER, "timer: fired after %U TSC ticks, before the %U asked for", elapsed, delay);
  say("timer: ok %u interrupt on vector %x after %U us (asked 10000 us), waited with HLT", taken, VECTOR_TIMER,
      elapsed * 1000000 / g_tsc_hz);
}

bool wait_change(volatile const u32* flag, u32 old, u32 ms) {
  const u64 deadline = rdtsc() + g_tsc_hz / 1000 * ms;
  for (;;) {
    cli();
    if (*flag != old) break;
    const u64 now = rdtsc();
    if (now >= deadline) {
      sti();
      return false;
    }
    u64 delay = deadline - now;
    if (delay >= NUCLEO_HC_TIMER_MAX_DELAY) delay = NUCLEO_HC_TIMER_MAX_DELAY - 1;
    hc2(NUCLEO_HC_TIMER_ONESHOT, delay, VECTOR_TIMER);
    const i64 rc = hc0(NUCLEO_HC_BLOCK); /* returns once an event is pending; IF=0 keeps it pending */
    if (rc != 0) fail(EXIT_BLOCK, "block: BLOCK returned %X", (u64)rc);
    sti_nop(); /* take it */
  }
  sti();
  return true;
}

/* SPDX-License-Identifier: MIT */
/* The workloads, each N operations timed with RDTSC, minus the same loop
 * without the operation, and metered (meter.c) around the loop:
 *   console_write_64/_1k  N KiB of 64-byte lines through CONSOLE_WRITE, in
 *                  calls of 64 bytes or of 1 KiB (ops = bytes)
 *   time_call      TIME: the PV way to read the clock (thereafter RDTSC)
 *   timer          TIMER_ONESHOT of 1 TSC tick: the call to the handler's
 *                  first RDTSC, interrupts enabled
 *   self_event     SEND_EVENT to this vCPU until its handler ran: the
 *                  stand-in for an IPI (one vCPU, see docs/bench-fv-pv.md)
 *   idle_block     TIMER_ONESHOT for `delay` ticks, BLOCK, STI: the cycle
 *                  minus the delay asked for
 *   idle_hlt       the same waiting in STI; HLT instead of BLOCK */
#include "bpv.h"

enum { LINE = 64, MAX_CHUNK = 1024, MAX_SPINS = 10000000 };

static volatile u32 g_events, g_timers, g_pings;
static volatile u64 g_handler_tsc;

/* Events arrive as external interrupts on the vectors the guest chose: no
 * EOI, there is no local APIC. */
static void on_timer(void) {
  g_handler_tsc = rdtsc();
  ++g_timers;
}
static void on_event(void) { ++g_events; }
static void on_ping(void) { ++g_pings; } /* taken by vCPU 1 only */

void handlers_init(void) {
  idt_set_exception_code(EXIT_EXCEPTION);
  idt_set(VECTOR_TIMER, on_timer);
  idt_set(VECTOR_EVENT, on_event);
  idt_set(VECTOR_PING, on_ping);
}

static void check(i64 rc, const char* what) {
  if (rc < 0) {
    say("FAIL %s returned %U", what, (u64)rc);
    guest_exit(EXIT_CALL);
  }
}

void bench_console(u32 kib, u32 chunk, const char* name) {
  static char text[MAX_CHUNK];
  if (chunk > MAX_CHUNK || chunk % LINE) return;
  for (u32 i = 0; i < chunk; ++i) text[i] = i % LINE == LINE - 1 ? '\n' : (char)('a' + i % LINE % 26);
  const u32 calls = kib * 1024 / chunk;
  struct meter before;
  meter_read(&before);
  const u64 t0 = rdtsc();
  for (u32 i = 0; i < calls; ++i) check(hc2(NUCLEO_HC_CONSOLE_WRITE, (u64)text, chunk), "CONSOLE_WRITE");
  const u64 ticks = rdtsc() - t0;
  const struct meter used = meter_since(&before);
  report(name, calls * chunk, ticks, empty_loop(calls), used);
}

void bench_time(u32 n) {
  static struct nucleo_hc_time t __attribute__((aligned(8)));
  struct meter before;
  meter_read(&before);
  const u64 t0 = rdtsc();
  for (u32 i = 0; i < n; ++i) check(hc1(NUCLEO_HC_TIME, (u64)&t), "TIME");
  const u64 ticks = rdtsc() - t0;
  const struct meter used = meter_since(&before);
  report("time_call", n, ticks, empty_loop(n), used);
}

void bench_timer(u32 n) {
  struct meter before;
  u64 sum = 0;
  sti();
  meter_read(&before);
  for (u32 i = 0; i < n; ++i) {
    const u32 old = g_timers;
    const u64 t0 = rdtsc();
    check(hc2(NUCLEO_HC_TIMER_ONESHOT, 1, VECTOR_TIMER), "TIMER_ONESHOT");
    if (!wait_count(&g_timers, old)) {
      say("FAIL one-shot %u of %u never fired", i + 1, n);
      guest_exit(EXIT_TIMER);
    }
    sum += g_handler_tsc - t0;
  }
  const struct meter used = meter_since(&before);
  report("timer", n, sum, rdtsc_pairs(n), used);
}

void bench_self_event(u32 n) {
  struct meter before;
  sti();
  meter_read(&before);
  const u64 t0 = rdtsc();
  for (u32 i = 0; i < n; ++i) {
    const u32 old = g_events;
    check(hc2(NUCLEO_HC_SEND_EVENT, 1, VECTOR_EVENT), "SEND_EVENT");
    if (!wait_count(&g_events, old)) {
      say("FAIL event %u of %u never arrived", i + 1, n);
      guest_exit(EXIT_EVENT);
    }
  }
  const u64 ticks = rdtsc() - t0;
  const struct meter used = meter_since(&before);
  report("self_event", n, ticks, empty_loop(n), used);
}

void bench_idle(u32 n, u64 delay, bool block) {
  struct meter before;
  u64 sum = 0;
  meter_read(&before);
  for (u32 i = 0; i < n; ++i) {
    cli();
    const u32 old = g_timers;
    const u64 t0 = rdtsc();
    check(hc2(NUCLEO_HC_TIMER_ONESHOT, delay, VECTOR_TIMER), "TIMER_ONESHOT");
    for (u32 k = 0; g_timers == old; ++k) {
      if (k == MAX_SPINS) {
        say("FAIL idle %u of %u: the timer never woke the vCPU", i + 1, n);
        guest_exit(EXIT_TIMER);
      }
      if (block) {
        check(hc0(NUCLEO_HC_BLOCK), "BLOCK"); /* returns with the event pending; IF=0 keeps it */
        sti_nop();
      } else {
        sti_hlt();
      }
      cli();
    }
    sti();
    sum += g_handler_tsc - t0;
  }
  const struct meter used = meter_since(&before);
  report(block ? "idle_block" : "idle_hlt", n, sum, delay * n + rdtsc_pairs(n), used);
}

void sleep_until(u64 tsc) {
  for (u64 now = rdtsc(); now < tsc; now = rdtsc()) {
    const u64 left = tsc - now;
    cli();
    check(hc2(NUCLEO_HC_TIMER_ONESHOT, left < NUCLEO_HC_TIMER_MAX_DELAY ? left : NUCLEO_HC_TIMER_MAX_DELAY - 1,
              VECTOR_TIMER),
          "TIMER_ONESHOT");
    check(hc0(NUCLEO_HC_BLOCK), "BLOCK");
    sti_nop();
  }
}

/* vCPU 1: BLOCK until vCPU 0's ping (IF=0 keeps it pending), take it, and
 * answer with an event to vCPU 0; forever (vCPU 0 ends the VM). */
void guest_ap_main(u32 magic, u32 index);
void guest_ap_main(u32 magic, u32 index) {
  (void)magic, (void)index;
  idt_load();
  u32 seen = 0;
  for (;;) {
    cli();
    while (g_pings == seen) {
      (void)hc0(NUCLEO_HC_BLOCK);
      sti_nop();
      cli();
    }
    seen = g_pings;
    (void)hc2(NUCLEO_HC_SEND_EVENT, 1, VECTOR_EVENT);
  }
}

/* IPI round trips between the two vCPUs: SEND_EVENT to vCPU 1, which wakes
 * from BLOCK and answers with SEND_EVENT to vCPU 0, spinning for it. The
 * counterpart of bench_fv's fixed-IPI ping-pong. */
void bench_ipi_roundtrip(u32 n) {
  check(hc3(NUCLEO_HC_VCPU_START, 1, (u64)ap_entry32, 1), "VCPU_START"); /* RDX: its index, its stack */
  struct meter before;
  meter_read(&before);
  const u64 t0 = rdtsc();
  for (u32 i = 0; i < n; ++i) {
    const u32 old = g_events;
    check(hc2(NUCLEO_HC_SEND_EVENT, 2, VECTOR_PING), "SEND_EVENT");
    sti();
    if (!wait_count(&g_events, old)) {
      say("FAIL round trip %u of %u: no answer from vCPU 1", i + 1, n);
      guest_exit(EXIT_EVENT);
    }
  }
  const u64 ticks = rdtsc() - t0;
  const struct meter used = meter_since(&before);
  report("ipi_roundtrip", n, ticks, empty_loop(n), used);
}

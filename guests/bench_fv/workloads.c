/* SPDX-License-Identifier: MIT */
/* The single-vCPU workloads, each N operations timed with RDTSC, minus the
 * same loop without the operation, and metered (meter.c) around the loop:
 *   console  N bytes through the 16550, polling LSR then writing THR
 *   pit      latch PIT channel 2 and read its count (8254 data sheet,
 *            "Counter Latch Command"): one OUT, two INs
 *   self_ipi a fixed self-IPI (ICR destination shorthand "self", SDM Vol.
 *            3A 11.6.1) until its handler has run, EOI included
 *   eoi      the EOI write alone, timed inside the self-IPI's handler
 *   timer    LAPIC one-shot of 1 count: the initial-count write to the
 *            handler's first RDTSC
 *   idle     one-shot for `delay` TSC ticks, then STI; HLT until the
 *            handler ran: the cycle minus the delay asked for
 * Handlers run with interrupts enabled around them (IF=1 while waiting);
 * each is a plain C function behind the library's IDT stubs. */
#include "fv.h"

volatile u32 g_timer_irqs, g_self_irqs, g_pongs, g_pings;
volatile u64 g_handler_tsc, g_eoi_ticks;
struct meter g_eoi_used;
volatile u32 g_time_eoi;

enum { PORT_PIT_CH2 = 0x42, PORT_PIT_MODE = 0x43, PORT_B = 0x61, MAX_SPINS = 10000000 };

static void on_timer(void) {
  g_handler_tsc = rdtsc();
  ++g_timer_irqs;
  lapic_eoi();
}

static void on_self(void) {
  ++g_self_irqs;
  if (!g_time_eoi) {
    lapic_eoi();
    return;
  }
  struct meter before;
  meter_read(&before);
  const u64 t0 = rdtsc();
  lapic_write(APIC_EOI, 0);
  const u64 t1 = rdtsc();
  const struct meter used = meter_since(&before);
  g_eoi_ticks += t1 - t0;
  g_eoi_used.exits += used.exits;
  g_eoi_used.hv_ticks += used.hv_ticks;
}

static void on_ping(void) { /* on the AP: answer */
  ++g_pings;
  lapic_eoi();
  send_ipi(0, VEC_PONG);
}

static void on_pong(void) {
  ++g_pongs;
  lapic_eoi();
}

/* Exceptions are the library's: reported, then exit code EXIT_EXCEPTION.
 * The spurious vector needs no handler (no EOI for it, SDM Vol. 3A 11.9). */
void handlers_init(void) {
  idt_set_exception_code(EXIT_EXCEPTION);
  idt_set(VEC_TIMER, on_timer);
  idt_set(VEC_SELF, on_self);
  idt_set(VEC_PING, on_ping);
  idt_set(VEC_PONG, on_pong);
}

void bench_console(u32 kib) {
  const u32 n = kib * 1024;
  struct meter before;
  meter_read(&before);
  const u64 t0 = rdtsc();
  for (u32 i = 0; i < n; ++i) console_putc(i % 64 == 63 ? '\n' : (char)('a' + i % 64 % 26));
  const u64 ticks = rdtsc() - t0;
  const struct meter used = meter_since(&before);
  report("uart_byte", n, ticks, empty_loop(n), used);
}

void bench_pit(u32 n) {
  /* Channel 2 counting in mode 2 from 0xffff, gate on (port 0x61 bit 0). */
  outb(PORT_B, (u8)((inb(PORT_B) & ~2u) | 1u));
  outb(PORT_PIT_MODE, 0xB4);
  outb(PORT_PIT_CH2, 0xff);
  outb(PORT_PIT_CH2, 0xff);
  struct meter before;
  volatile u32 sink = 0;
  meter_read(&before);
  const u64 t0 = rdtsc();
  for (u32 i = 0; i < n; ++i) {
    outb(PORT_PIT_MODE, 0x80); /* counter latch, channel 2 */
    u32 count = inb(PORT_PIT_CH2);
    count |= (u32)inb(PORT_PIT_CH2) << 8;
    sink = count;
  }
  const u64 ticks = rdtsc() - t0;
  const struct meter used = meter_since(&before);
  (void)sink;
  report("pit_read", n, ticks, empty_loop(n), used);
}

void bench_self_ipi_eoi(u32 n) {
  struct meter before;
  sti();
  meter_read(&before);
  const u64 t0 = rdtsc();
  for (u32 i = 0; i < n; ++i) {
    const u32 old = g_self_irqs;
    lapic_write(APIC_ICR_LOW, ICR_SELF | VEC_SELF);
    if (!wait_count(&g_self_irqs, old)) {
      say("FAIL self-IPI %u of %u never arrived", i + 1, n);
      return;
    }
  }
  const u64 ticks = rdtsc() - t0;
  const struct meter used = meter_since(&before);
  report("self_ipi", n, ticks, empty_loop(n), used);

  /* The EOI alone: the handler times and meters its own EOI write. */
  g_eoi_ticks = 0;
  g_eoi_used = (struct meter){0, 0};
  g_time_eoi = 1;
  for (u32 i = 0; i < n; ++i) {
    const u32 old = g_self_irqs;
    lapic_write(APIC_ICR_LOW, ICR_SELF | VEC_SELF);
    (void)wait_count(&g_self_irqs, old);
  }
  g_time_eoi = 0;
  report("eoi", n, g_eoi_ticks, rdtsc_pairs(n), g_eoi_used);
}

void bench_timer(u32 n) {
  struct meter before;
  u64 sum = 0;
  lapic_write(APIC_LVT_TIMER, VEC_TIMER); /* one-shot, unmasked */
  sti();
  meter_read(&before);
  for (u32 i = 0; i < n; ++i) {
    const u32 old = g_timer_irqs;
    const u64 t0 = rdtsc();
    lapic_write(APIC_TIMER_INITIAL, 1);
    if (!wait_count(&g_timer_irqs, old)) {
      say("FAIL one-shot %u of %u never fired", i + 1, n);
      guest_exit(EXIT_TIMER);
    }
    sum += g_handler_tsc - t0;
  }
  const struct meter used = meter_since(&before);
  report("timer", n, sum, rdtsc_pairs(n), used);
}

void bench_idle(u32 n, u32 delay) {
  const u32 count = delay * 256 / g_tsc_per_count_x256; /* delay below 2^24: no overflow */
  const u64 slept = (u64)count * g_tsc_per_count_x256 / 256;
  struct meter before;
  u64 sum = 0;
  lapic_write(APIC_LVT_TIMER, VEC_TIMER);
  meter_read(&before);
  for (u32 i = 0; i < n; ++i) {
    cli();
    const u32 old = g_timer_irqs;
    const u64 t0 = rdtsc();
    lapic_write(APIC_TIMER_INITIAL, count);
    for (u32 k = 0; g_timer_irqs == old; ++k) {
      if (k == MAX_SPINS) {
        say("FAIL idle %u of %u: no timer interrupt woke HLT", i + 1, n);
        guest_exit(EXIT_TIMER);
      }
      sti_hlt();
      cli();
    }
    sti();
    sum += g_handler_tsc - t0;
  }
  const struct meter used = meter_since(&before);
  lapic_write(APIC_LVT_TIMER, 1u << 16 | VEC_TIMER);
  report("idle", n, sum, slept * n + rdtsc_pairs(n), used);
}

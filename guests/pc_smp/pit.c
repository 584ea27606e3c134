/* SPDX-License-Identifier: MIT */
/* TSC calibration against the 8254 PIT, the way Linux's pit_calibrate_tsc
 * does it: channel 2 in mode 0 (interrupt on terminal count), gated by
 * port 0x61 bit 0, its OUT pin read back as port 0x61 bit 5 (8254 data
 * sheet: in mode 0 OUT goes low when the count is written and high when it
 * reaches zero). No interrupt is involved, so polling is the only way. */
#include "pc.h"

enum { PIT_HZ = 1193182, PORT_CH2 = 0x42, PORT_MODE = 0x43, PORT_B = 0x61 };
enum { GATE2 = 0x01, SPEAKER = 0x02, OUT2 = 0x20 };
enum { MAX_POLLS = 20000000, CALIBRATION_MS = 10 };

static u32 polls_taken;

u64 pit_gate_wait(u32 ms, void (*at_start)(void), void (*at_end)(void)) {
  u32 latch = (u32)udiv64((u64)PIT_HZ * ms, 1000);
  if (latch == 0 || latch > 0xffff) return 0;
  outb(PORT_B, (u8)((inb(PORT_B) & ~SPEAKER) | GATE2));
  outb(PORT_MODE, 0xB0); /* channel 2, lobyte/hibyte, mode 0, binary */
  outb(PORT_CH2, (u8)latch);
  /* Counting starts with the MSB write. Whatever is measured against it
   * starts before and ends after, so a delay (an emulator's thread being
   * descheduled) can only make the other clock look faster, never slower:
   * timers armed from it may be late, never early. */
  if (at_start) at_start();
  u64 t0 = rdtsc();
  outb(PORT_CH2, (u8)(latch >> 8));
  if (inb(PORT_B) & OUT2) return 0; /* OUT must be low right after the count is written */
  u32 polls = 0;
  while (!(inb(PORT_B) & OUT2))
    if (++polls == MAX_POLLS) return 0;
  if (at_end) at_end();
  u64 t1 = rdtsc();
  polls_taken = polls;
  return t1 - t0;
}

/* A stopwatch on the same channel for the LAPIC timer checks: mode 0 from
 * 0xffff counts down for 54.9 ms; the counter-latch command (8254 data
 * sheet, "Counter Latch Command") freezes the count for reading. The
 * emulators drive the PIT and the LAPIC timer from one clock, while the TSC
 * of QEMU TCG without -icount is the host's and drifts from it. */
void pit_stopwatch_start(void) {
  outb(PORT_B, (u8)((inb(PORT_B) & ~SPEAKER) | GATE2));
  outb(PORT_MODE, 0xB0);
  outb(PORT_CH2, 0xff);
  outb(PORT_CH2, 0xff);
}

u32 pit_stopwatch_us(void) {
  outb(PORT_MODE, 0x80); /* latch channel 2 */
  u32 count = inb(PORT_CH2);
  count |= (u32)inb(PORT_CH2) << 8;
  if (inb(PORT_B) & OUT2) return PIT_STOPWATCH_WRAPPED; /* reached 0: 54.9 ms or more */
  return (u32)udiv64((u64)(0xffff - count) * 1000000, PIT_HZ);
}

void check_pit(void) {
  u32 r[4];
  cpuid(1, 0, r);
  if (!(r[3] & (1u << 4))) {
    check_fail(CHECK_PIT, "CPUID.1:EDX.TSC is 0");
    return;
  }
  u64 ticks = pit_gate_wait(CALIBRATION_MS, NULL, NULL);
  if (ticks == 0) {
    check_fail(CHECK_PIT, "channel 2's OUT (port 0x61 bit 5) did not go low then high within %u polls", MAX_POLLS);
    return;
  }
  u64 hz = udiv64(ticks * 1000, CALIBRATION_MS);
  g_machine.tsc_hz = hz;
  u32 khz_frac;
  u64 mhz = udivmod64(udiv64(hz, 1000), 1000, &khz_frac);
  /* 1 MHz-100 GHz: anything else means the PIT or the TSC is not counting. */
  if (hz < 1000000 || hz > 100000000000ull) {
    check_fail(CHECK_PIT, "TSC %U ticks in %u ms is not a plausible clock", ticks, CALIBRATION_MS);
    return;
  }
  check_ok(CHECK_PIT, "TSC %U.%c%c%c MHz (%U ticks in %u ms of PIT channel 2, %u polls)", mhz,
           '0' + khz_frac / 100, '0' + khz_frac / 10 % 10, '0' + khz_frac % 10, ticks, CALIBRATION_MS,
           polls_taken);
}

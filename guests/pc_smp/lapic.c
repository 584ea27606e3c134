/* SPDX-License-Identifier: MIT */
/* The local APIC check (SDM Vol. 3A chapter 11): the base the MADT and
 * IA32_APIC_BASE agree on, enabled by the library (guest/lapic.h: SVR, TPR,
 * divide-by-1, timer masked), its timer calibrated against the PIT, and
 * wait_for(): HLT until an interrupt handler has counted far enough, with a
 * one-shot timer as the watchdog, so no wait spins (every emulated CPU pays
 * for spinning). */
#include "pc.h"

enum { CALIBRATION_MS = 10 };

static u32 calibration_start, calibration_end;

u32 lapic_count_for_us(u32 us) {
  u64 count = udiv64((u64)g_machine.lapic_hz * us, 1000000);
  return count == 0 ? 1 : count > 0xffffffffu ? 0xffffffffu : (u32)count;
}

bool wait_for(volatile u32* counter, u32 target, u32 timeout_us) {
  u32 ticks = g_timer_ticks;
  cli();
  lapic_write(APIC_LVT_TIMER, VEC_TIMER); /* one-shot, unmasked */
  lapic_write(APIC_TIMER_INITIAL, lapic_count_for_us(timeout_us));
  bool reached;
  for (;;) {
    reached = *counter >= target;
    if (reached || g_timer_ticks != ticks) break;
    sti_hlt();
    cli();
  }
  lapic_write(APIC_TIMER_INITIAL, 0); /* stops the timer (SDM Vol. 3A 11.5.4) */
  sti();
  return reached;
}

void delay_us(u32 us) {
  static volatile u32 never;
  (void)wait_for(&never, 1, us);
}

static void timer_start(void) {
  lapic_write(APIC_TIMER_INITIAL, 0xffffffffu);
  calibration_start = lapic_read(APIC_TIMER_CURRENT);
}
static void timer_stop(void) { calibration_end = lapic_read(APIC_TIMER_CURRENT); }

bool check_lapic(void) {
  u32 r[4];
  cpuid(1, 0, r);
  if (!(r[3] & (1u << 9))) {
    check_fail(CHECK_LAPIC, "CPUID.1:EDX.APIC is 0");
    return false;
  }
  u64 msr = rdmsr(MSR_APIC_BASE);
  u32 msr_base = (u32)msr & 0xfffff000u;
  if (!(msr & APIC_BASE_BSP) || (msr & APIC_BASE_X2APIC) || (msr >> 32)) {
    check_fail(CHECK_LAPIC, "IA32_APIC_BASE is %X: expected BSP set, x2APIC clear, below 4 GiB", msr);
    return false;
  }
  if (!g_machine.lapic_base) g_machine.lapic_base = msr_base;
  if (g_machine.lapic_base != msr_base) {
    check_fail(CHECK_LAPIC, "IA32_APIC_BASE says %x, the MADT %x", msr_base, g_machine.lapic_base);
    return false;
  }
  (void)lapic_init(); /* x2APIC and a base above 4 GiB were refused above; the SVR is checked below */
  u32 id = lapic_id(), version = lapic_read(APIC_VERSION);
  g_machine.bsp_apic_id = id;
  lapic_write(APIC_ESR, 0); /* SDM 11.5.3: write before reading */
  u32 esr = lapic_read(APIC_ESR);
  if (g_machine.ncpus == 0) { /* no MADT (already a FAIL): go on as the only CPU */
    g_machine.apic_ids[0] = id;
    g_machine.ncpus = 1;
  }
  if (cpu_index_of(id) != 0) {
    check_fail(CHECK_LAPIC, "BSP APIC ID %u is not the MADT's first enabled processor", id);
    return false;
  }
  if (!(lapic_read(APIC_SVR) & APIC_SVR_ENABLE) || (version & 0xff) < 0x10 || esr) {
    check_fail(CHECK_LAPIC, "SVR %x, version %x, ESR %x: not an enabled integrated APIC", lapic_read(APIC_SVR),
               version, esr);
    return false;
  }
  if (pit_gate_wait(CALIBRATION_MS, timer_start, timer_stop) == 0 || calibration_end == 0 ||
      calibration_end >= calibration_start) {
    check_fail(CHECK_LAPIC, "timer calibration: current count %x -> %x across %u ms of PIT", calibration_start,
               calibration_end, CALIBRATION_MS);
    return false;
  }
  lapic_write(APIC_TIMER_INITIAL, 0);
  g_machine.lapic_hz = (calibration_start - calibration_end) * (1000 / CALIBRATION_MS);
  u32 khz_frac, mhz = (u32)udivmod64(g_machine.lapic_hz / 1000, 1000, &khz_frac);
  check_ok(CHECK_LAPIC, "xAPIC at %x, APIC ID %u (BSP), version %x, %u LVT entries, timer %u.%c%c%c MHz", msr_base,
           id, version & 0xff, (version >> 16 & 0xff) + 1, mhz, '0' + khz_frac / 100, '0' + khz_frac / 10 % 10,
           '0' + khz_frac % 10);
  return true;
}

/* SPDX-License-Identifier: MIT */
/* The local APIC in xAPIC mode (SDM Vol. 3A chapter 11): MMIO registers at
 * the base the MADT and IA32_APIC_BASE agree on, software-enabled through
 * the spurious-interrupt vector register, its timer calibrated against the
 * PIT, IPIs through the ICR, and wait_for(): HLT until an interrupt handler
 * has counted far enough, with a one-shot timer as the watchdog, so no wait
 * spins (every emulated CPU pays for spinning). */
#include "pc.h"

enum {
  REG_ID = 0x20, REG_VERSION = 0x30, REG_TPR = 0x80, REG_EOI = 0xB0, REG_SVR = 0xF0, REG_ESR = 0x280,
  REG_ICR_LOW = 0x300, REG_ICR_HIGH = 0x310, REG_LVT_TIMER = 0x320, REG_TIMER_INITIAL = 0x380,
  REG_TIMER_CURRENT = 0x390, REG_TIMER_DIVIDE = 0x3E0,
};
enum { MSR_APIC_BASE = 0x1B, BASE_BSP = 1u << 8, BASE_X2APIC = 1u << 10, BASE_ENABLE = 1u << 11 };
enum { SVR_ENABLE = 1u << 8, LVT_MASKED = 1u << 16, ICR_PENDING = 1u << 12, DIVIDE_BY_1 = 0xB };
enum { CALIBRATION_MS = 10, MAX_ICR_POLLS = 1000000 };

static u32 calibration_start, calibration_end;

u32 lapic_read(u32 reg) { return *(volatile u32*)(g_machine.lapic_base + reg); }
void lapic_write(u32 reg, u32 v) { *(volatile u32*)(g_machine.lapic_base + reg) = v; }
u32 lapic_id(void) { return g_machine.lapic_base ? lapic_read(REG_ID) >> 24 : 0; }
void lapic_eoi(void) { lapic_write(REG_EOI, 0); }

void lapic_enable(void) {
  u64 base = rdmsr(MSR_APIC_BASE);
  if (!(base & BASE_ENABLE)) wrmsr(MSR_APIC_BASE, base | BASE_ENABLE);
  lapic_write(REG_SVR, SVR_ENABLE | VEC_SPURIOUS);
  lapic_write(REG_TPR, 0);
  lapic_write(REG_TIMER_DIVIDE, DIVIDE_BY_1);
  lapic_write(REG_LVT_TIMER, LVT_MASKED | VEC_TIMER);
}

/* SDM Vol. 3A 11.6.1: write the destination (ICR high) first; the write of
 * ICR low sends. Delivery status is polled, bounded. */
bool lapic_send_ipi(u32 apic_id, u32 icr_low) {
  u32 polls = 0;
  while (lapic_read(REG_ICR_LOW) & ICR_PENDING)
    if (++polls == MAX_ICR_POLLS) return false;
  lapic_write(REG_ICR_HIGH, apic_id << 24);
  lapic_write(REG_ICR_LOW, icr_low);
  while (lapic_read(REG_ICR_LOW) & ICR_PENDING)
    if (++polls == MAX_ICR_POLLS) return false;
  return true;
}

u32 lapic_count_for_us(u32 us) {
  u64 count = udiv64((u64)g_machine.lapic_hz * us, 1000000);
  return count == 0 ? 1 : count > 0xffffffffu ? 0xffffffffu : (u32)count;
}

bool wait_for(volatile u32* counter, u32 target, u32 timeout_us) {
  u32 ticks = g_timer_ticks;
  cli();
  lapic_write(REG_LVT_TIMER, VEC_TIMER); /* one-shot, unmasked */
  lapic_write(REG_TIMER_INITIAL, lapic_count_for_us(timeout_us));
  bool reached;
  for (;;) {
    reached = *counter >= target;
    if (reached || g_timer_ticks != ticks) break;
    sti_hlt();
    cli();
  }
  lapic_write(REG_TIMER_INITIAL, 0); /* stops the timer (SDM Vol. 3A 11.5.4) */
  sti();
  return reached;
}

void delay_us(u32 us) {
  static volatile u32 never;
  (void)wait_for(&never, 1, us);
}

static void timer_start(void) {
  lapic_write(REG_TIMER_INITIAL, 0xffffffffu);
  calibration_start = lapic_read(REG_TIMER_CURRENT);
}
static void timer_stop(void) { calibration_end = lapic_read(REG_TIMER_CURRENT); }

bool check_lapic(void) {
  u32 a, b, c, d;
  cpuid(1, &a, &b, &c, &d);
  if (!(d & (1u << 9))) {
    check_fail(CHECK_LAPIC, "CPUID.1:EDX.APIC is 0");
    return false;
  }
  u64 msr = rdmsr(MSR_APIC_BASE);
  u32 msr_base = (u32)msr & 0xfffff000u;
  if (!(msr & BASE_BSP) || (msr & BASE_X2APIC) || (msr >> 32)) {
    check_fail(CHECK_LAPIC, "IA32_APIC_BASE is %X: expected BSP set, x2APIC clear, below 4 GiB", msr);
    return false;
  }
  if (!g_machine.lapic_base) g_machine.lapic_base = msr_base;
  if (g_machine.lapic_base != msr_base) {
    check_fail(CHECK_LAPIC, "IA32_APIC_BASE says %x, the MADT %x", msr_base, g_machine.lapic_base);
    return false;
  }
  lapic_enable();
  u32 id = lapic_id(), version = lapic_read(REG_VERSION);
  g_machine.bsp_apic_id = id;
  lapic_write(REG_ESR, 0); /* SDM 11.5.3: write before reading */
  u32 esr = lapic_read(REG_ESR);
  if (g_machine.ncpus == 0) { /* no MADT (already a FAIL): go on as the only CPU */
    g_machine.apic_ids[0] = id;
    g_machine.ncpus = 1;
  }
  if (cpu_index_of(id) != 0) {
    check_fail(CHECK_LAPIC, "BSP APIC ID %u is not the MADT's first enabled processor", id);
    return false;
  }
  if (!(lapic_read(REG_SVR) & SVR_ENABLE) || (version & 0xff) < 0x10 || esr) {
    check_fail(CHECK_LAPIC, "SVR %x, version %x, ESR %x: not an enabled integrated APIC", lapic_read(REG_SVR),
               version, esr);
    return false;
  }
  if (pit_gate_wait(CALIBRATION_MS, timer_start, timer_stop) == 0 || calibration_end == 0 ||
      calibration_end >= calibration_start) {
    check_fail(CHECK_LAPIC, "timer calibration: current count %x -> %x across %u ms of PIT", calibration_start,
               calibration_end, CALIBRATION_MS);
    return false;
  }
  lapic_write(REG_TIMER_INITIAL, 0);
  g_machine.lapic_hz = (calibration_start - calibration_end) * (1000 / CALIBRATION_MS);
  u32 khz_frac, mhz = (u32)udivmod64(g_machine.lapic_hz / 1000, 1000, &khz_frac);
  check_ok(CHECK_LAPIC, "xAPIC at %x, APIC ID %u (BSP), version %x, %u LVT entries, timer %u.%c%c%c MHz", msr_base,
           id, version & 0xff, (version >> 16 & 0xff) + 1, mhz, '0' + khz_frac / 100, '0' + khz_frac / 10 % 10,
           '0' + khz_frac % 10);
  return true;
}

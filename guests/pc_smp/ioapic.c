/* SPDX-License-Identifier: MIT */
/* The I/O APIC (Intel 82093AA data sheet), when the MADT lists one: its
 * version register through IOREGSEL/IOWIN, then the PIT's interrupt routed
 * through it the way an ACPI OS does it: ISA IRQ 0 arrives on the GSI the
 * MADT's interrupt source override names (2 on PCs), whose redirection
 * entry gets a fixed vector, edge, active high, physical destination = the
 * last AP online (the BSP without one). Channel 0 then runs in mode 2 at
 * about 1 kHz until that CPU counted TICKS interrupts; no other CPU may see
 * one, and they may not come faster than the PIT's rate. */
#include "pc.h"

enum { IOREGSEL = 0x00, IOWIN = 0x10, REG_VERSION = 0x01, REG_TABLE = 0x10 };
enum { ENTRY_MASKED = 1u << 16 };
enum { PIT_CH0 = 0x40, PIT_MODE = 0x43, PIT_HZ = 1193182, PIT_COUNT = 1193 /* ~1 ms */ };
enum { TICKS = 10, TIMEOUT_US = 500000 };

static u32 ioapic_read(u32 reg) {
  mmio_write32(g_machine.ioapic_base + IOREGSEL, reg);
  return mmio_read32(g_machine.ioapic_base + IOWIN);
}

static void ioapic_write(u32 reg, u32 value) {
  mmio_write32(g_machine.ioapic_base + IOREGSEL, reg);
  mmio_write32(g_machine.ioapic_base + IOWIN, value);
}

void check_ioapic(void) {
  if (!g_machine.ioapic_base) {
    check_skip(CHECK_IOAPIC, "no I/O APIC in the MADT");
    return;
  }
  const u32 version = ioapic_read(REG_VERSION), pins = (version >> 16 & 0xff) + 1;
  const u32 gsi = g_machine.pit_gsi;
  if ((version & 0xff) < 0x10 || gsi < g_machine.ioapic_gsi_base || gsi - g_machine.ioapic_gsi_base >= pins) {
    check_fail(CHECK_IOAPIC, "version register %x (%u pins from GSI %u) cannot route GSI %u", version, pins,
               g_machine.ioapic_gsi_base, gsi);
    return;
  }
  u32 target = 0;
  for (u32 cpu = 1; cpu < g_machine.ncpus; ++cpu)
    if (cpu_online(cpu)) target = cpu;
  const u32 pin = gsi - g_machine.ioapic_gsi_base, entry = REG_TABLE + 2 * pin;
  ioapic_write(entry + 1, g_machine.apic_ids[target] << 24);
  ioapic_write(entry, VEC_IOAPIC); /* fixed, physical, active high, edge, unmasked */
  const u32 readback = ioapic_read(entry);
  u32 before[MAX_CPUS];
  for (u32 cpu = 0; cpu < g_machine.ncpus; ++cpu) before[cpu] = g_ioapic_irqs[cpu];
  const u64 t0 = rdtsc();
  outb(PIT_MODE, 0x34); /* channel 0, LSB then MSB, mode 2 (rate generator), binary */
  outb(PIT_CH0, (u8)PIT_COUNT);
  outb(PIT_CH0, (u8)(PIT_COUNT >> 8));
  const bool reached = wait_for(&g_ioapic_irqs[target], before[target] + TICKS, TIMEOUT_US);
  const u64 t1 = rdtsc();
  ioapic_write(entry, ENTRY_MASKED | VEC_IOAPIC);
  outb(PIT_MODE, 0x30); /* mode 0 without a count: channel 0 stops, OUT stays low */
  const u32 got = g_ioapic_irqs[target] - before[target];
  u32 elsewhere = 0;
  for (u32 cpu = 0; cpu < g_machine.ncpus; ++cpu)
    if (cpu != target) elsewhere += g_ioapic_irqs[cpu] - before[cpu];
  const u32 us = (u32)udiv64((t1 - t0) * 1000, (u32)udiv64(g_machine.tsc_hz, 1000));
  const u32 period_us = (u32)udiv64((u64)PIT_COUNT * 1000000, PIT_HZ);
  /* TICKS edges need (TICKS - 1) whole periods at least; 10 % for the calibration. */
  const u32 least_us = (TICKS - 1) * period_us - (TICKS - 1) * period_us / 10;
  if (!reached || elsewhere || us < least_us || (readback & 0x1ffff) != VEC_IOAPIC) {
    check_fail(CHECK_IOAPIC, "GSI %u -> APIC ID %u vector %x (entry reads %x): %u of %u interrupts in %u us "
               "(at least %u us expected), %u on other CPUs", gsi, g_machine.apic_ids[target], VEC_IOAPIC, readback,
               got, TICKS, us, least_us, elsewhere);
    return;
  }
  check_ok(CHECK_IOAPIC, "version %x, %u pins at %x; PIT (ISA IRQ 0 = GSI %u) routed to APIC ID %u as vector %x: "
           "%u interrupts in %u us, none elsewhere", version & 0xff, pins, g_machine.ioapic_base, gsi,
           g_machine.apic_ids[target], VEC_IOAPIC, got, us);
}

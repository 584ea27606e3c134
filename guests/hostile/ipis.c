/* SPDX-License-Identifier: MIT */
/* IPIs through the xAPIC ICR (SDM Vol. 3A 11.6.1; ICR high 0x310 holds the
 * destination in bits 31:24, a write of ICR low 0x300 sends) to APIC IDs
 * this VM does not have: INIT, start-up, NMI and fixed, physical, logical
 * and with the "all excluding self" shorthand. The VM has `cpus` vCPUs
 * (APIC IDs 0..cpus-1; the others wait for SIPI), so none of them may reach
 * anyone outside it, and nothing may come back to us. With a second vCPU
 * the start-up shorthand is left out: it would start that vCPU at 0x10000.
 * The physical broadcast 0xFF is allowed and reaches the VM's own vCPUs
 * only: an NMI to it must arrive here exactly once. INIT and start-up are
 * never sent to ID 0 or 0xFF: they would reset this vCPU, which is allowed
 * and not an attack. */
#include "hostile.h"

enum {
  LAPIC = 0xFEE00000,
  ID = 0x20,
  SVR = 0xF0,
  ESR = 0x280,
  ICR_LOW = 0x300,
  ICR_HIGH = 0x310,
  MODE_FIXED = 0u << 8,
  MODE_NMI = 4u << 8,
  MODE_INIT = 5u << 8,
  MODE_STARTUP = 6u << 8,
  LOGICAL = 1u << 11,
  ASSERT = 1u << 14,
  ALL_BUT_SELF = 3u << 18,
  SVR_ENABLE = 1u << 8,
  FIXED_VECTOR = 0x40,
  SIPI_VECTOR = 0x10, /* start at 0x10000: RAM, but never executed by anyone */
};

static void lapic_write(u32 reg, u32 v) { mmio_write32(LAPIC + reg, v); }
static u32 lapic_read(u32 reg) { return mmio_read32(LAPIC + reg); }

static u32 esr(void) {
  lapic_write(ESR, 0); /* write-before-read latches the errors (11.5.3) */
  return lapic_read(ESR);
}

static void settle(void) { /* the target's core takes NMIs at its next VM entry */
  for (u32 i = 0; i < 20000; ++i) __asm__ volatile("pause");
}

struct ipi_args {
  u32 first, last, icr_low;
};

static void send_range(void* p) {
  const struct ipi_args* a = p;
  for (u32 id = a->first; id <= a->last; ++id) {
    lapic_write(ICR_HIGH, id << 24);
    lapic_write(ICR_LOW, a->icr_low);
  }
}

/* Sends icr_low to destinations first..last; nothing may come back. */
static void attempt(const char* what, u32 first, u32 last, u32 icr_low, u32 expect_nmis) {
  say("ipi: %s (ICR low %x, destinations %u-%u)", what, icr_low, first, last);
  const u32 nmis = nmi_count, irqs = irq_count;
  struct ipi_args a = {first, last, icr_low};
  const u32 fault = probe(send_range, &a);
  settle();
  const u32 got_nmis = nmi_count - nmis, got_irqs = irq_count - irqs, e = esr();
  const bool ok = fault == 0 && got_nmis == expect_nmis && got_irqs == 0;
  say("  -> %s; NMIs here %u (expected %u), interrupts here %u, ESR %x: %s", fault_name(fault), got_nmis, expect_nmis,
      got_irqs, e, verdict(ok));
}

static void x2apic_icr(void* p) {
  (void)p;
  __asm__ volatile("wrmsr" ::"c"(0x830), "a"(MODE_NMI | ASSERT), "d"(1u));
}

static void enable_apic(void) {
  lapic_write(SVR, lapic_read(SVR) | SVR_ENABLE | 0xFF); /* software-enable, spurious vector 0xFF */
  (void)esr();
}

/* Issue 13, hole 2: an NMI IPI to vCPU 1 before its task runs on its core
 * (the test boots with vm.ap_delay_ms= so it has not). Its core must take
 * the kick as a kick, and the NMI wait in vCPU 1's local APIC. */
void attack_early_nmi(void) {
  say("ipi: NMI to vCPU 1 (APIC ID 1) at once, before its core runs it, at TSC %X", rdtsc());
  enable_apic();
  struct ipi_args a = {1, 1, MODE_NMI | ASSERT};
  const u32 fault = probe(send_range, &a);
  settle();
  say("  -> %s, ESR %x: %s", fault_name(fault), esr(), verdict(fault == 0));
}

void attack_ipis(u32 cpus) {
  u32 base_lo, base_hi;
  __asm__ volatile("rdmsr" : "=a"(base_lo), "=d"(base_hi) : "c"(0x1B));
  say("ipi: IA32_APIC_BASE %x, APIC ID %x", base_lo, lapic_read(ID) >> 24);
  enable_apic();

  attempt("INIT to every APIC ID but ours", cpus, 254, MODE_INIT | ASSERT, 0);
  attempt("start-up to every APIC ID but ours", cpus, 254, MODE_STARTUP | SIPI_VECTOR, 0);
  attempt("NMI to every APIC ID but ours", cpus, 254, MODE_NMI | ASSERT, 0);
  attempt("fixed vector 0x40 to every APIC ID but ours", cpus, 254, MODE_FIXED | ASSERT | FIXED_VECTOR, 0);
  attempt("INIT, all excluding self", 0, 0, MODE_INIT | ASSERT | ALL_BUT_SELF, 0);
  if (cpus == 1) attempt("start-up, all excluding self", 0, 0, MODE_STARTUP | SIPI_VECTOR | ALL_BUT_SELF, 0);
  attempt("NMI, all excluding self", 0, 0, MODE_NMI | ASSERT | ALL_BUT_SELF, 0);
  attempt("NMI, logical destination 0xfe (our LDR is 0)", 0xFE, 0xFE, MODE_NMI | ASSERT | LOGICAL, 0);
  attempt("INIT, logical destination 0xff (our LDR is 0)", 0xFF, 0xFF, MODE_INIT | ASSERT | LOGICAL, 0);
  attempt("NMI to the broadcast ID 0xff: our own vCPU only", 0xFF, 0xFF, MODE_NMI | ASSERT, 1);

  say("ipi: x2APIC ICR (MSR 0x830) NMI to APIC ID 1 while in xAPIC mode");
  const u32 fault = probe(x2apic_icr, 0);
  say("  -> %s, expected #GP: %s", fault_name(fault), verdict(fault == (PROBE_FAULT | 13)));
}

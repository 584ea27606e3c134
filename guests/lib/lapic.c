/* SPDX-License-Identifier: MIT */
/* The local APIC in xAPIC mode (guest/lapic.h): found through
 * IA32_APIC_BASE, software-enabled through the spurious-interrupt vector
 * register (SDM Vol. 3A 11.4.3, 11.9), IPIs through the ICR (11.6.1). */
#include <guest/lapic.h>

enum { MAX_ICR_POLLS = 1000000 };

uptr g_lapic_base;

void lapic_enable_ap(void) {
  const u64 base = rdmsr(MSR_APIC_BASE);
  if (!(base & APIC_BASE_ENABLE)) wrmsr(MSR_APIC_BASE, base | APIC_BASE_ENABLE);
  lapic_write(APIC_SVR, APIC_SVR_ENABLE | LAPIC_SPURIOUS_VECTOR);
  lapic_write(APIC_TPR, 0); /* accept every priority class */
  lapic_write(APIC_TIMER_DIVIDE, APIC_DIVIDE_BY_1);
  lapic_write(APIC_LVT_TIMER, APIC_LVT_MASKED | LAPIC_SPURIOUS_VECTOR);
}

bool lapic_init(void) {
  const u64 base = rdmsr(MSR_APIC_BASE);
  if ((base & APIC_BASE_X2APIC) || (base >> 32)) return false;
  g_lapic_base = (uptr)((u32)base & 0xfffff000u);
  lapic_enable_ap();
  return (lapic_read(APIC_SVR) & APIC_SVR_ENABLE) != 0;
}

bool send_ipi(u32 apic_id, u32 icr_low) {
  lapic_write(APIC_ICR_HIGH, apic_id << 24);
  lapic_write(APIC_ICR_LOW, icr_low);
  for (u32 i = 0; i < MAX_ICR_POLLS; ++i) {
    if (!(lapic_read(APIC_ICR_LOW) & ICR_PENDING)) return true;
    pause();
  }
  return false;
}

/* SPDX-License-Identifier: MIT */
/* INIT-SIPI-SIPI (guest/smp.h, SDM Vol. 3A 10.4.4.1) and the AP's first C.
 * The BSP records which cpu index each APIC ID gets before it sends INIT;
 * the AP looks itself up by its APIC ID. */
#include <guest/idt.h>
#include <guest/io.h>
#include <guest/lapic.h>
#include <guest/smp.h>

enum { INIT_WAIT_US = 10000, SIPI_WAIT_US = 200, TSC_TICKS_PER_US = 20, MAX_SPINS = 10000000 };

extern const u8 smp_trampoline_start[], smp_trampoline_end[];

static void (*g_entry)(u32 cpu);
static u8 g_cpu_of_apic[256];
static volatile u32 g_online[SMP_MAX_CPUS];

static void tsc_delay(u32 us) {
  const u64 end = rdtsc() + (u64)us * TSC_TICKS_PER_US;
  while (rdtsc() < end) pause();
}
static void (*g_delay)(u32 us) = tsc_delay;

void smp_set_delay(void (*delay_us)(u32 us)) { g_delay = delay_us ? delay_us : tsc_delay; }

void smp_prepare(void (*entry)(u32 cpu)) {
  g_entry = entry;
  u8* dst = (u8*)(uptr)SMP_TRAMPOLINE;
  for (const u8* s = smp_trampoline_start; s < smp_trampoline_end; ++s) *dst++ = *s;
}

bool smp_online(u32 cpu) { return cpu < SMP_MAX_CPUS && g_online[cpu]; }

bool smp_start_ap(u32 apic_id, u32 cpu) {
  if (cpu == 0 || cpu >= SMP_MAX_CPUS || apic_id > 255) return false;
  g_cpu_of_apic[apic_id] = (u8)cpu;
  if (!send_ipi(apic_id, ICR_INIT)) return false;
  g_delay(INIT_WAIT_US);
  for (u32 sipi = 0; sipi < 2 && !g_online[cpu]; ++sipi) {
    if (!send_ipi(apic_id, ICR_STARTUP | SMP_TRAMPOLINE >> 12)) return false;
    g_delay(SIPI_WAIT_US);
  }
  return true;
}

u32 smp_start_aps(u32 count, void (*entry)(u32 cpu)) {
  smp_prepare(entry);
  u32 online = 0;
  for (u32 cpu = 1; cpu <= count && cpu < SMP_MAX_CPUS; ++cpu) {
    if (!smp_start_ap(cpu, cpu)) continue;
    for (u32 i = 0; i < MAX_SPINS && !g_online[cpu]; ++i) pause();
    online += g_online[cpu] != 0;
  }
  return online;
}

void smp_ap_main(void);
void smp_ap_main(void) {
  idt_load();
  lapic_enable_ap();
  const u32 cpu = g_cpu_of_apic[lapic_id() & 255];
  if (cpu) __atomic_store_n(&g_online[cpu], 1, __ATOMIC_RELEASE);
  if (g_entry) g_entry(cpu);
  for (;;) sti_hlt();
}

/* SPDX-License-Identifier: MIT */
/* The second vCPU and the IPI round trip. The AP (APIC ID 1: nucleo numbers
 * a VM's APICs by vCPU index, as the VM's MADT says) is started with INIT,
 * SIPI, SIPI (SDM Vol. 3A 10.4.4.1) into trampoline.S at 0x8000; it then
 * idles in STI; HLT and answers each VEC_PING with a VEC_PONG. The boot
 * vCPU times N pings, waiting for each pong with interrupts enabled. */
#include "fv.h"

enum { TRAMPOLINE = 0x8000, AP_ID = 1, INIT_WAIT = 200000, SIPI_WAIT = 20000, MAX_SPINS = 10000000 };

extern const u8 ap_trampoline_start[], ap_trampoline_end[];
static volatile u32 g_ap_online;

void ap_main(void);
void ap_main(void) {
  idt_load();
  lapic_enable_ap();
  g_ap_online = 1;
  for (;;) sti_hlt();
}

/* A wait in TSC ticks; the SDM's 10 ms and 200 us matter to real APs only. */
static void wait_ticks(u64 ticks) {
  const u64 end = rdtsc() + ticks;
  while (rdtsc() < end) pause();
}

bool start_ap(void) {
  u8* dst = (u8*)TRAMPOLINE;
  for (const u8* s = ap_trampoline_start; s < ap_trampoline_end; ++s) *dst++ = *s;
  send_ipi(AP_ID, ICR_INIT);
  wait_ticks(INIT_WAIT);
  for (u32 sipi = 0; sipi < 2 && !g_ap_online; ++sipi) {
    send_ipi(AP_ID, ICR_STARTUP | TRAMPOLINE >> 12);
    wait_ticks(SIPI_WAIT);
  }
  for (u32 i = 0; i < MAX_SPINS && !g_ap_online; ++i) pause();
  return g_ap_online;
}

void bench_ipi(u32 n) {
  struct meter before;
  sti();
  meter_read(&before);
  const u64 t0 = rdtsc();
  for (u32 i = 0; i < n; ++i) {
    const u32 old = g_pongs;
    send_ipi(AP_ID, VEC_PING);
    for (u32 k = 0; g_pongs == old; ++k) {
      if (k == MAX_SPINS) {
        say("FAIL ping %u of %u got no pong (%u pings seen by the AP)", i + 1, n, g_pings);
        guest_exit(EXIT_SMP);
      }
      pause();
    }
  }
  const u64 ticks = rdtsc() - t0;
  const struct meter used = meter_since(&before);
  const u64 t1 = rdtsc();
  for (u32 i = 0; i < n; ++i) __asm__ volatile("" ::: "memory");
  report("ipi_roundtrip", n, ticks, rdtsc() - t1, used);
}

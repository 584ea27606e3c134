/* SPDX-License-Identifier: MIT */
/* The second vCPU and the IPI round trip. The AP (APIC ID 1: nucleo numbers
 * a VM's APICs by vCPU index, as the VM's MADT says) is started with INIT,
 * SIPI, SIPI (SDM Vol. 3A 10.4.4.1, guest/smp.h); it then idles in STI; HLT
 * and answers each VEC_PING with a VEC_PONG. The boot
 * vCPU times N pings, waiting for each pong with interrupts enabled. */
#include "fv.h"

enum { AP_ID = 1, MAX_SPINS = 10000000 };

/* The AP's work is all in the VEC_PING handler: after this returns the
 * library idles it in STI; HLT. */
static void ap_main(u32 cpu) { (void)cpu; }

bool start_ap(void) { return smp_start_aps(1, ap_main) == 1; }

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

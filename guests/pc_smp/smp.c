/* SPDX-License-Identifier: MIT */
/* The application processors: each enabled MADT processor other than the
 * BSP is started with INIT, 10 ms, SIPI, 200 us, SIPI (SDM Vol. 3A 10.4.4.1,
 * the MP start-up algorithm; guest/smp.h, its trampoline at 0x8000), one at
 * a time, the waits timed by the LAPIC timer in HLT. An AP prints its APIC
 * ID and sends VEC_HELLO; it then only HLTs and answers. The BSP plays IPI
 * ping-pong with each AP and sends each an NMI, waiting in HLT. */
#include "pc.h"

/* Each wait gives up after 5 s of TSC: an AP that never answers still
 * fails the check, while under QEMU TCG, whose TSC is the host's clock, a
 * vCPU thread of a busy host may not run for hundreds of milliseconds. */
enum { PINGS = 8, TIMEOUT_US = 5000000 };

static volatile u32 online[MAX_CPUS];

bool cpu_online(u32 cpu) { return cpu == 0 || (cpu < MAX_CPUS && online[cpu]); }

/* On the AP, after the library loaded the IDT and enabled its APIC; when
 * it returns the AP idles in STI; HLT. */
static void ap_main(u32 started_as) {
  (void)started_as; /* the MADT's index is what the checks use */
  u32 id = lapic_id();
  int cpu = cpu_index_of(id);
  if (cpu <= 0) {
    say("ap: FAIL APIC ID %u is not an AP in the MADT", id);
  } else {
    say("ap: APIC ID %u online as cpu %u, in C in protected mode", id, (u32)cpu);
    online[cpu] = 1;
  }
  (void)send_ipi(g_machine.bsp_apic_id, VEC_HELLO);
}

static bool start_ap(u32 cpu) {
  u32 hellos = g_hellos;
  if (!smp_start_ap(g_machine.apic_ids[cpu], cpu)) return false;
  return wait_for(&g_hellos, hellos + 1, TIMEOUT_US) && online[cpu];
}

static void ping_pong(u32 started) {
  for (u32 cpu = 1; cpu < g_machine.ncpus; ++cpu) {
    if (!online[cpu]) continue;
    for (u32 i = 0; i < PINGS; ++i) {
      u32 pongs = g_pongs;
      if (!send_ipi(g_machine.apic_ids[cpu], VEC_PING) || !wait_for(&g_pongs, pongs + 1, TIMEOUT_US)) {
        check_fail(CHECK_IPI, "ping %u to APIC ID %u got no pong (%u pings seen by the AP)", i + 1,
                   g_machine.apic_ids[cpu], g_pings[cpu]);
        return;
      }
    }
    if (g_pings[cpu] != PINGS) {
      check_fail(CHECK_IPI, "APIC ID %u counted %u pings, %u were sent", g_machine.apic_ids[cpu], g_pings[cpu], PINGS);
      return;
    }
  }
  check_ok(CHECK_IPI, "%u ping-pong rounds (vectors %x/%x) with each of %u APs, %u pongs", PINGS, VEC_PING, VEC_PONG,
           started, g_pongs);
}

static void nmis(u32 started) {
  for (u32 cpu = 1; cpu < g_machine.ncpus; ++cpu) {
    if (!online[cpu]) continue;
    u32 acks = g_nmi_acks;
    /* Two acknowledgements of one vector may merge in the IRR: wait for
     * the AP's count, then for at least one answer. */
    if (!send_ipi(g_machine.apic_ids[cpu], ICR_NMI) || !wait_for(&g_nmis[cpu], 2, TIMEOUT_US) ||
        !wait_for(&g_nmi_acks, acks + 1, TIMEOUT_US) || g_nmis[cpu] != 2 || g_nmi_nested[cpu]) {
      check_fail(CHECK_NMI, "APIC ID %u: %u NMIs handled (expected 2), %u acknowledgements, %s", g_machine.apic_ids[cpu],
                 g_nmis[cpu], g_nmi_acks - acks, g_nmi_nested[cpu] ? "one nested in the other" : "none nested");
      return;
    }
  }
  check_ok(CHECK_NMI,
           "an NMI IPI to each of %u APs ran its NMI handler, which sent itself a second NMI that arrived after "
           "IRET, not nested; answered with vector %x",
           started, VEC_NMI_ACK);
}

void check_smp(void) {
  u32 aps = g_machine.ncpus - 1;
  if (aps == 0) {
    check_skip(CHECK_SMP, "one CPU in the MADT");
    check_skip(CHECK_IPI, "one CPU");
    check_skip(CHECK_NMI, "one CPU");
    return;
  }
  smp_set_delay(delay_us);
  smp_prepare(ap_main);
  u32 started = 0;
  u64 t0 = rdtsc();
  for (u32 cpu = 1; cpu <= aps; ++cpu) {
    if (start_ap(cpu)) {
      ++started;
    } else {
      say("smp: APIC ID %u did not come online", g_machine.apic_ids[cpu]);
    }
  }
  u32 ms = (u32)udiv64(rdtsc() - t0, (u32)udiv64(g_machine.tsc_hz, 1000));
  if (started != aps) {
    check_fail(CHECK_SMP, "%u/%u APs online after INIT-SIPI-SIPI", started, aps);
  } else {
    check_ok(CHECK_SMP, "%u/%u APs online (INIT, 10 ms, SIPI, 200 us, SIPI; trampoline at %x) in %u ms", started, aps,
             SMP_TRAMPOLINE, ms);
  }
  if (started == 0) {
    check_skip(CHECK_IPI, "no AP online");
    check_skip(CHECK_NMI, "no AP online");
    return;
  }
  ping_pong(started);
  nmis(started);
}

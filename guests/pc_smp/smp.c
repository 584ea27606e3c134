/* SPDX-License-Identifier: MIT */
/* The application processors: each enabled MADT processor other than the
 * BSP is started with INIT, 10 ms, SIPI, 200 us, SIPI (SDM Vol. 3A 10.4.4.1,
 * the MP start-up algorithm) into trampoline.S at 0x8000, one at a time so
 * that one stack variable suffices. An AP enables its local APIC, prints its
 * APIC ID and sends VEC_HELLO; it then only HLTs and answers. The BSP plays
 * IPI ping-pong with each AP and sends each an NMI, waiting in HLT. */
#include "pc.h"

enum { TRAMPOLINE = 0x8000, AP_STACK = 8192, PINGS = 8, TIMEOUT_US = 200000 };
enum { ICR_INIT = 0x4500, ICR_STARTUP = 0x4600, ICR_NMI = 0x4400 }; /* level assert + delivery mode */

extern const u8 ap_trampoline_start[], ap_trampoline_end[];
u32 ap_stack_top; /* read by ap_entry32 */
static u8 ap_stacks[MAX_CPUS][AP_STACK] __attribute__((aligned(16)));
static volatile u32 online[MAX_CPUS];

void ap_main(void);
void ap_main(void) {
  idt_load();
  lapic_enable();
  u32 id = lapic_id();
  int cpu = cpu_index_of(id);
  if (cpu <= 0) {
    say("pc_smp: ap: FAIL APIC ID %u is not an AP in the MADT", id);
  } else {
    say("pc_smp: ap: APIC ID %u online as cpu %u, in C in protected mode", id, (u32)cpu);
    online[cpu] = 1;
  }
  (void)lapic_send_ipi(g_machine.bsp_apic_id, VEC_HELLO);
  for (;;) sti_hlt();
}

static bool start_ap(u32 cpu) {
  u32 id = g_machine.apic_ids[cpu];
  u32 hellos = g_hellos;
  ap_stack_top = (u32)&ap_stacks[cpu][AP_STACK];
  if (!lapic_send_ipi(id, ICR_INIT)) return false;
  delay_us(10000);
  for (u32 sipi = 0; sipi < 2 && !online[cpu]; ++sipi) {
    if (!lapic_send_ipi(id, ICR_STARTUP | TRAMPOLINE >> 12)) return false;
    delay_us(200);
  }
  return wait_for(&g_hellos, hellos + 1, TIMEOUT_US) && online[cpu];
}

static void ping_pong(u32 started) {
  for (u32 cpu = 1; cpu < g_machine.ncpus; ++cpu) {
    if (!online[cpu]) continue;
    for (u32 i = 0; i < PINGS; ++i) {
      u32 pongs = g_pongs;
      if (!lapic_send_ipi(g_machine.apic_ids[cpu], VEC_PING) || !wait_for(&g_pongs, pongs + 1, TIMEOUT_US)) {
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
    if (!lapic_send_ipi(g_machine.apic_ids[cpu], ICR_NMI) || !wait_for(&g_nmis[cpu], 2, TIMEOUT_US) ||
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
  memcpy((void*)TRAMPOLINE, ap_trampoline_start, (usize)(ap_trampoline_end - ap_trampoline_start));
  u32 started = 0;
  u64 t0 = rdtsc();
  for (u32 cpu = 1; cpu <= aps; ++cpu) {
    if (start_ap(cpu)) {
      ++started;
    } else {
      say("pc_smp: smp: APIC ID %u did not come online", g_machine.apic_ids[cpu]);
    }
  }
  u32 ms = (u32)udiv64(rdtsc() - t0, (u32)udiv64(g_machine.tsc_hz, 1000));
  if (started != aps) {
    check_fail(CHECK_SMP, "%u/%u APs online after INIT-SIPI-SIPI", started, aps);
  } else {
    check_ok(CHECK_SMP, "%u/%u APs online (INIT, 10 ms, SIPI, 200 us, SIPI; trampoline at %x) in %u ms", started, aps,
             TRAMPOLINE, ms);
  }
  if (started == 0) {
    check_skip(CHECK_IPI, "no AP online");
    check_skip(CHECK_NMI, "no AP online");
    return;
  }
  ping_pong(started);
  nmis(started);
}

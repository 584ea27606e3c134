/* SPDX-License-Identifier: MIT */
/* The interrupt handlers behind the library's IDT (guest/idt.h): they only
 * count and answer (ping -> pong, NMI -> NMI acknowledgement); the checks
 * read the counts. An unexpected CPU exception is fatal: the library
 * reports it with its vector and EIP and the guest exits with code 15. */
#include "pc.h"

volatile u32 g_pongs, g_nmi_acks, g_hellos, g_unexpected;
volatile u32 g_pings[MAX_CPUS], g_nmis[MAX_CPUS], g_nmi_depth[MAX_CPUS], g_nmi_nested[MAX_CPUS];
volatile u32 g_ioapic_irqs[MAX_CPUS];

int cpu_index_of(u32 apic_id) {
  for (u32 i = 0; i < g_machine.ncpus; ++i)
    if (g_machine.apic_ids[i] == apic_id) return (int)i;
  return -1;
}

/* No EOI for NMIs (SDM Vol. 3A 11.8.5). */
static void on_nmi(void) {
  const int cpu = cpu_index_of(lapic_id());
  if (cpu <= 0) {
    ++g_unexpected;
    return;
  }
  /* The first NMI sends this CPU a second one from inside its handler:
   * NMIs are blocked until IRET (SDM Vol. 3A 6.7.1), so it must arrive
   * after this handler returns, not nested in it. */
  if (++g_nmis[cpu] == 1) (void)send_ipi(lapic_id(), ICR_NMI);
  g_nmi_nested[cpu] |= g_nmi_depth[cpu]++ != 0;
  (void)send_ipi(g_machine.bsp_apic_id, VEC_NMI_ACK);
  --g_nmi_depth[cpu];
}

static void on_timer(void) {
  ++g_timer_ticks;
  lapic_eoi();
}

static void on_ping(void) {
  const int cpu = cpu_index_of(lapic_id());
  if (cpu > 0) ++g_pings[cpu];
  lapic_eoi();
  (void)send_ipi(g_machine.bsp_apic_id, VEC_PONG);
}

static void on_pong(void) {
  ++g_pongs;
  lapic_eoi();
}

static void on_nmi_ack(void) {
  ++g_nmi_acks;
  lapic_eoi();
}

static void on_hello(void) {
  ++g_hellos;
  lapic_eoi();
}

static void on_ioapic(void) {
  const int cpu = cpu_index_of(lapic_id());
  if (cpu >= 0) ++g_ioapic_irqs[cpu];
  else ++g_unexpected;
  lapic_eoi();
}

static void on_unexpected(void) {
  ++g_unexpected;
  lapic_eoi();
}

/* Every vector from 0x20 has a handler (the spurious one needs none: no
 * EOI, SDM Vol. 3A 11.9); 0-31 but the NMI are the library's exceptions. */
void handlers_init(void) {
  idt_set_exception_code(CHECK_EXCEPTION);
  for (u32 v = 0x20; v < VEC_SPURIOUS; ++v) idt_set((u8)v, on_unexpected);
  idt_set(VEC_NMI, on_nmi);
  idt_set(VEC_TIMER, on_timer);
  idt_set(VEC_PING, on_ping);
  idt_set(VEC_PONG, on_pong);
  idt_set(VEC_NMI_ACK, on_nmi_ack);
  idt_set(VEC_HELLO, on_hello);
  idt_set(VEC_IOAPIC, on_ioapic);
}

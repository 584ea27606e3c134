/* SPDX-License-Identifier: MIT */
/* The IDT (guest/idt.h, 64-bit interrupt gates) shared by every vCPU, and
 * what an interrupt does: the three event vectors count per vCPU (the
 * waiting code looks at the counts; no EOI: there is no local APIC), an
 * exception is reported by the library (vector, error code, RIP, RSP) and
 * ends the VM with EXIT_EXCEPTION. */
#include <guest/idt.h>

#include "pv.h"

enum { EVENT_VECTORS = 3 };

static volatile u32 g_taken[MAX_VCPUS][EVENT_VECTORS];

static void count(u32 vector) {
  const u32 vcpu = this_vcpu();
  if (vcpu < MAX_VCPUS) __atomic_add_fetch(&g_taken[vcpu][vector - VECTOR_EVENT], 1, __ATOMIC_SEQ_CST);
}
static void on_event(void) { count(VECTOR_EVENT); }
static void on_timer(void) { count(VECTOR_TIMER); }
static void on_doorbell(void) { count(VECTOR_DOORBELL); }

/* vCPU 0 fills the table once; every vCPU loads it. */
void load_idt(void) {
  if (this_vcpu() != 0) {
    idt_load();
    return;
  }
  idt_set_exception_code(EXIT_EXCEPTION);
  idt_set(VECTOR_EVENT, on_event);
  idt_set(VECTOR_TIMER, on_timer);
  idt_set(VECTOR_DOORBELL, on_doorbell);
  idt_init();
}

u32 interrupts_taken(u32 vcpu, u32 vector) { return g_taken[vcpu][vector - VECTOR_EVENT]; }

/* SPDX-License-Identifier: MIT */
/* One IDT for all CPUs (32-bit interrupt gates to the stubs in entry.S) and
 * the dispatcher: the handlers only count and answer (ping -> pong, NMI ->
 * NMI acknowledgement); the checks read the counts. An unexpected CPU
 * exception is fatal: it is reported with its vector and EIP and the guest
 * exits with code 15. */
#include "pc.h"

struct frame {
  u32 edi, esi, ebp, esp, ebx, edx, ecx, eax; /* PUSHA */
  u32 vector, error, eip, cs, eflags;
};

struct __attribute__((packed)) gate {
  u16 offset_low, selector;
  u8 zero, type;
  u16 offset_high;
};

struct __attribute__((packed)) idt_ptr {
  u16 limit;
  u32 base;
};

extern const u8 isr_stubs[];
static struct gate idt[256];
volatile u32 g_pongs, g_nmi_acks, g_hellos, g_unexpected;
volatile u32 g_pings[MAX_CPUS], g_nmis[MAX_CPUS], g_nmi_depth[MAX_CPUS], g_nmi_nested[MAX_CPUS];

enum { CODE_SELECTOR = 0x08, GATE_INTERRUPT32 = 0x8E, STUB_SIZE = 16 };

void idt_init(void) {
  for (u32 v = 0; v < 256; ++v) {
    u32 addr = (u32)isr_stubs + v * STUB_SIZE;
    idt[v] = (struct gate){(u16)addr, CODE_SELECTOR, 0, GATE_INTERRUPT32, (u16)(addr >> 16)};
  }
  idt_load();
}

void idt_load(void) {
  struct idt_ptr p = {sizeof idt - 1, (u32)idt};
  __asm__ volatile("lidt %0" ::"m"(p));
}

int cpu_index_of(u32 apic_id) {
  for (u32 i = 0; i < g_machine.ncpus; ++i)
    if (g_machine.apic_ids[i] == apic_id) return (int)i;
  return -1;
}

static const char* const kExceptions[32] = {
    "#DE", "#DB", "NMI", "#BP", "#OF", "#BR", "#UD", "#NM", "#DF", "?", "#TS", "#NP", "#SS", "#GP", "#PF", "?",
    "#MF", "#AC", "#MC", "#XM", "#VE", "#CP", "?",   "?",   "?",   "?", "?",   "?",   "#HV", "#VC", "#SX", "?",
};

void isr_dispatch(struct frame* f);
void isr_dispatch(struct frame* f) {
  int cpu = cpu_index_of(lapic_id());
  switch (f->vector) {
    case VEC_NMI: /* no EOI for NMIs (SDM Vol. 3A 11.8.5) */
      if (cpu > 0) {
        /* The first NMI sends this CPU a second one from inside its
         * handler: NMIs are blocked until IRET (SDM Vol. 3A 6.7.1), so it
         * must arrive after this handler returns, not nested in it. */
        if (++g_nmis[cpu] == 1) (void)lapic_send_ipi(lapic_id(), 0x4400);
        g_nmi_nested[cpu] |= g_nmi_depth[cpu]++ != 0;
        (void)lapic_send_ipi(g_machine.bsp_apic_id, VEC_NMI_ACK);
        --g_nmi_depth[cpu];
      } else {
        ++g_unexpected;
      }
      return;
    case VEC_TIMER: ++g_timer_ticks; break;
    case VEC_PING:
      if (cpu > 0) ++g_pings[cpu];
      lapic_eoi();
      (void)lapic_send_ipi(g_machine.bsp_apic_id, VEC_PONG);
      return;
    case VEC_PONG: ++g_pongs; break;
    case VEC_NMI_ACK: ++g_nmi_acks; break;
    case VEC_HELLO: ++g_hellos; break;
    case VEC_SPURIOUS: return; /* no EOI for spurious interrupts (11.9) */
    default:
      if (f->vector < 32) {
        say("pc_smp: exception: FAIL %s (vector %u, error code %x) at EIP %x on APIC ID %u", kExceptions[f->vector],
            f->vector, f->error, f->eip, lapic_id());
        guest_exit(CHECK_EXCEPTION);
      }
      ++g_unexpected;
      break;
  }
  lapic_eoi();
}

/* SPDX-License-Identifier: MIT */
/* The IDT (64-bit interrupt gates, SDM Vol. 3A 6.14.1) shared by every
 * vCPU, and what an interrupt does: the three event vectors count per vCPU
 * (the waiting code looks at the counts), an exception is reported with its
 * vector, error code and RIP and ends the VM. */
#include "pv.h"

struct trap_frame {
  u64 r15, r14, r13, r12, r11, r10, r9, r8, rbp, rdi, rsi, rdx, rcx, rbx, rax;
  u64 vector, error, rip, cs, rflags, rsp, ss;
};

struct idt_gate {
  u16 offset_low, selector;
  u8 ist, type; /* type 0x8e: present, DPL 0, 64-bit interrupt gate (IF cleared on entry) */
  u16 offset_mid;
  u32 offset_high, reserved;
};
_Static_assert(sizeof(struct idt_gate) == 16, "SDM Vol. 3A Figure 6-8");

enum { CODE64 = 0x18, EVENT_VECTORS = 3 };

extern const u64 pv_trap_stubs[32 + EVENT_VECTORS];
extern u8 pv_stacks[];

static struct idt_gate g_idt[256] __attribute__((aligned(16)));
static volatile u32 g_taken[MAX_VCPUS][EVENT_VECTORS];

static void set_gate(u32 vector, u64 handler) {
  struct idt_gate* g = &g_idt[vector];
  g->offset_low = (u16)handler;
  g->selector = CODE64;
  g->ist = 0;
  g->type = 0x8e;
  g->offset_mid = (u16)(handler >> 16);
  g->offset_high = (u32)(handler >> 32);
  g->reserved = 0;
}

/* vCPU 0 fills the table once; every vCPU loads it. */
void load_idt(void) {
  if (this_vcpu() == 0) {
    for (u32 v = 0; v < 32; ++v) set_gate(v, pv_trap_stubs[v]);
    for (u32 i = 0; i < EVENT_VECTORS; ++i) set_gate(VECTOR_EVENT + i, pv_trap_stubs[32 + i]);
  }
  struct __attribute__((packed)) {
    u16 limit;
    u64 base;
  } idtr = {sizeof g_idt - 1, (u64)g_idt};
  __asm__ volatile("lidt %0" ::"m"(idtr));
}

/* Each vCPU runs on its own stack in pv_stacks (entry.S), so the stack
 * pointer says which vCPU this is, in handlers too. */
u32 this_vcpu(void) {
  u64 sp;
  __asm__ volatile("movq %%rsp, %0" : "=r"(sp));
  return (u32)((sp - (u64)pv_stacks) / STACK_SIZE);
}

u32 interrupts_taken(u32 vcpu, u32 vector) { return g_taken[vcpu][vector - VECTOR_EVENT]; }

void pv_trap(struct trap_frame* f);
void pv_trap(struct trap_frame* f) {
  if (f->vector >= VECTOR_EVENT && f->vector < VECTOR_EVENT + EVENT_VECTORS) {
    const u32 vcpu = this_vcpu();
    if (vcpu < MAX_VCPUS) __atomic_add_fetch(&g_taken[vcpu][f->vector - VECTOR_EVENT], 1, __ATOMIC_SEQ_CST);
    return;
  }
  fail(EXIT_EXCEPTION, "exception %u (error code %X) on vCPU %u at RIP %X, RSP %X", (u32)f->vector, f->error,
       this_vcpu(), f->rip, f->rsp);
}

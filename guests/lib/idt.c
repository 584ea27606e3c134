/* SPDX-License-Identifier: MIT */
/* The IDT (guest/idt.h): 256 interrupt gates to the stubs of idt32.S or
 * idt64.S and the C dispatcher they call. The gate and the frame differ by
 * mode (SDM Vol. 3A 6.11, 6.14.1); what a handler sees does not. */
#include <guest/console.h>
#include <guest/exit.h>
#include <guest/idt.h>
#include <guest/lapic.h>

#if defined(__x86_64__)
struct frame { /* idt64.S */
  u64 r15, r14, r13, r12, r11, r10, r9, r8, rbp, rdi, rsi, rdx, rcx, rbx, rax;
  u64 vector, error, ip, cs, rflags, sp, ss;
};
struct gate {
  u16 offset_low, selector;
  u8 ist, type;
  u16 offset_mid;
  u32 offset_high, reserved;
};
_Static_assert(sizeof(struct gate) == 16, "SDM Vol. 3A Figure 6-8");
enum { CODE_SELECTOR = 0x18 }; /* long_mode.S's 64-bit code segment */
#else
struct frame { /* idt32.S: PUSHA's registers, then the CPU's (no stack switch in ring 0) */
  u32 edi, esi, ebp, esp, ebx, edx, ecx, eax;
  u32 vector, error, ip, cs, eflags;
};
struct __attribute__((packed)) gate {
  u16 offset_low, selector;
  u8 zero, type;
  u16 offset_high;
};
_Static_assert(sizeof(struct gate) == 8, "SDM Vol. 3A Figure 6-2");
enum { CODE_SELECTOR = 0x08 }; /* start32.S's code segment */
#endif

/* Present, DPL 0, interrupt gate (IF cleared on entry): 32- or 64-bit by mode. */
enum { GATE_INTERRUPT = 0x8E, STUB_SIZE = 16 };

extern const u8 idt_stubs[];
/* Weak: a guest without lib/lapic.c has no APIC ID to report. */
extern uptr g_lapic_base __attribute__((weak));

static struct gate g_idt[256] __attribute__((aligned(16)));
static void (*g_handlers[256])(void);
static u32 g_exception_code = 0xff;
volatile u32 g_idt_unexpected;

void idt_init(void) {
  for (u32 v = 0; v < 256; ++v) {
    const uptr addr = (uptr)idt_stubs + v * STUB_SIZE;
#if defined(__x86_64__)
    g_idt[v] = (struct gate){(u16)addr, CODE_SELECTOR, 0, GATE_INTERRUPT, (u16)(addr >> 16), (u32)(addr >> 32), 0};
#else
    g_idt[v] = (struct gate){(u16)addr, CODE_SELECTOR, 0, GATE_INTERRUPT, (u16)(addr >> 16)};
#endif
  }
  idt_load();
}

void idt_load(void) {
  struct __attribute__((packed)) {
    u16 limit;
    uptr base;
  } p = {sizeof g_idt - 1, (uptr)g_idt};
  __asm__ volatile("lidt %0" ::"m"(p));
}

void idt_set(u8 vector, void (*handler)(void)) { g_handlers[vector] = handler; }
void idt_set_exception_code(u32 code) { g_exception_code = code; }

static const char* const kExceptions[32] = {
    "#DE", "#DB", "NMI", "#BP", "#OF", "#BR", "#UD", "#NM", "#DF", "?", "#TS", "#NP", "#SS", "#GP", "#PF", "?",
    "#MF", "#AC", "#MC", "#XM", "#VE", "#CP", "?",   "?",   "?",   "?", "?",   "?",   "#HV", "#VC", "#SX", "?",
};

/* idt_expect_fault's state: the vector it waits for (256: none), the
 * length of the instruction to step over, and whether it came. */
static volatile u32 g_expect_vector = 256, g_expect_length, g_expect_hit;

bool idt_expect_fault(u8 vector, u32 length, void (*fn)(void)) {
  g_expect_hit = 0;
  g_expect_length = length;
  __atomic_store_n(&g_expect_vector, vector, __ATOMIC_SEQ_CST);
  fn();
  __atomic_store_n(&g_expect_vector, 256, __ATOMIC_SEQ_CST);
  return g_expect_hit != 0;
}

void idt_dispatch(struct frame* f);
void idt_dispatch(struct frame* f) {
  void (*handler)(void) = g_handlers[f->vector & 255];
  if (f->vector < 32 && f->vector == g_expect_vector) {
    /* A fault restarts its instruction (SDM Vol. 3A 6.5): step over it. */
    f->ip += g_expect_length;
    g_expect_hit = 1;
  } else if (handler) {
    handler();
  } else if (f->vector < 32) {
#if defined(__x86_64__)
    say("exception: FAIL %s (vector %u, error code %X) at RIP %X, RSP %X", kExceptions[f->vector], (u32)f->vector,
        f->error, f->ip, f->sp);
#else
    const u32 apic_id = &g_lapic_base && g_lapic_base ? lapic_id() : 0;
    say("exception: FAIL %s (vector %u, error code %x) at EIP %x on APIC ID %u", kExceptions[f->vector], f->vector,
        f->error, f->ip, apic_id);
#endif
    guest_exit(g_exception_code);
  } else if (f->vector != LAPIC_SPURIOUS_VECTOR) {
    ++g_idt_unexpected;
  }
}

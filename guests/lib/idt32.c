/* SPDX-License-Identifier: MIT */
/* The IDT of a 32-bit guest (guest/idt.h): 256 interrupt gates to the stubs
 * of idt32.S and the C dispatcher they call. */
#include <guest/console.h>
#include <guest/exit.h>
#include <guest/idt.h>
#include <guest/lapic.h>

struct frame {
  u32 edi, esi, ebp, esp, ebx, edx, ecx, eax; /* PUSHA */
  u32 vector, error, eip, cs, eflags;
};

struct __attribute__((packed)) gate {
  u16 offset_low, selector;
  u8 zero, type;
  u16 offset_high;
};
_Static_assert(sizeof(struct gate) == 8, "SDM Vol. 3A Figure 6-2");

enum { CODE_SELECTOR = 0x08, GATE_INTERRUPT32 = 0x8E, STUB_SIZE = 16 };

extern const u8 idt_stubs[];
/* Weak: a guest without lib/lapic.c has no APIC ID to report. */
extern uptr g_lapic_base __attribute__((weak));

static struct gate g_idt[256] __attribute__((aligned(8)));
static void (*g_handlers[256])(void);
static u32 g_exception_code = 0xff;
volatile u32 g_idt_unexpected;

void idt_init(void) {
  for (u32 v = 0; v < 256; ++v) {
    const u32 addr = (u32)(uptr)idt_stubs + v * STUB_SIZE;
    g_idt[v] = (struct gate){(u16)addr, CODE_SELECTOR, 0, GATE_INTERRUPT32, (u16)(addr >> 16)};
  }
  idt_load();
}

void idt_load(void) {
  struct __attribute__((packed)) {
    u16 limit;
    u32 base;
  } p = {sizeof g_idt - 1, (u32)(uptr)g_idt};
  __asm__ volatile("lidt %0" ::"m"(p));
}

void idt_set(u8 vector, void (*handler)(void)) { g_handlers[vector] = handler; }
void idt_set_exception_code(u32 code) { g_exception_code = code; }

static const char* const kExceptions[32] = {
    "#DE", "#DB", "NMI", "#BP", "#OF", "#BR", "#UD", "#NM", "#DF", "?", "#TS", "#NP", "#SS", "#GP", "#PF", "?",
    "#MF", "#AC", "#MC", "#XM", "#VE", "#CP", "?",   "?",   "?",   "?", "?",   "?",   "#HV", "#VC", "#SX", "?",
};

void idt_dispatch(struct frame* f);
void idt_dispatch(struct frame* f) {
  void (*handler)(void) = g_handlers[f->vector & 255];
  if (handler) {
    handler();
  } else if (f->vector < 32) {
    const u32 apic_id = &g_lapic_base && g_lapic_base ? lapic_id() : 0;
    say("exception: FAIL %s (vector %u, error code %x) at EIP %x on APIC ID %u", kExceptions[f->vector], f->vector,
        f->error, f->eip, apic_id);
    guest_exit(g_exception_code);
  } else if (f->vector != LAPIC_SPURIOUS_VECTOR) {
    ++g_idt_unexpected;
  }
}

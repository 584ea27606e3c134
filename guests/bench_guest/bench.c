// SPDX-License-Identifier: MIT
// Exit-cost benchmark guest (64-bit). For each operation that exits, the
// guest times N iterations with RDTSC and subtracts the same loop without
// the operation; under Bochs (clock: sync=none) TSC ticks are instructions.
// Prints "bench NAME TICKS_PER_ITERATION" lines on COM1 for
// `tools/nucleo bench exits`.
#include "guests/include/nucleo/hypercall.h"

typedef unsigned long u64;
typedef unsigned int u32;

enum { kIterations = 200 };

static inline u64 rdtsc(void) {
  u32 lo, hi;
  __asm__ volatile("lfence; rdtsc" : "=a"(lo), "=d"(hi)::"memory");
  return (u64)hi << 32 | lo;
}

static void putc(char c) { __asm__ volatile("outb %0, %1" ::"a"(c), "Nd"((unsigned short)0x3f8)); }

static void puts(const char* s) {
  while (*s) putc(*s++);
}

static void put_u64(u64 v) {
  char digits[20];
  int n = 0;
  do {
    digits[n++] = (char)('0' + v % 10);
    v /= 10;
  } while (v);
  while (n) putc(digits[--n]);
}

static void op_none(void) { __asm__ volatile("" ::: "memory"); }
static void op_cpuid(void) {
  u32 a = 0, b, c = 0, d;
  __asm__ volatile("cpuid" : "+a"(a), "=b"(b), "+c"(c), "=d"(d)::"memory");
}
static void op_vmcall(void) {
  u64 a = NUCLEO_HC_VERSION;
  __asm__ volatile("vmcall" : "+a"(a)::"memory");
}
static void op_out(void) { __asm__ volatile("outb %%al, $0x90" ::"a"(0) : "memory"); }  // nobody claims 0x90
static void op_rdmsr(void) {
  u32 lo, hi;
  __asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(0x1b) : "memory");  // IA32_APIC_BASE, emulated
}
static void op_wrmsr(void) {
  __asm__ volatile("wrmsr" ::"c"(0x1b), "a"(0xfee00900), "d"(0) : "memory");
}
static void op_cr8(void) { __asm__ volatile("mov %0, %%cr8" ::"r"((u64)0) : "memory"); }
// Arm the one-shot timer for "now", then HLT: the hypervisor injects the
// timer's vector at the next entry, which wakes the HLT (2 exits).
static void op_hlt_wake(void) {
  u64 a = NUCLEO_HC_TIMER_ONESHOT;
  __asm__ volatile("vmcall; sti; hlt; cli" : "+a"(a) : "b"(0ul), "c"(0x30ul) : "memory");
}

// A 64-bit IDT with the timer's vector only (SDM Vol. 3A 6.14.1).
extern char timer_isr[];
static struct {
  unsigned short offset_low, selector;
  unsigned char ist, type_attr;
  unsigned short offset_mid;
  u32 offset_high, reserved;
} idt[0x31];

static void install_idt(void) {
  const u64 isr = (u64)timer_isr;
  idt[0x30].offset_low = (unsigned short)isr;
  idt[0x30].selector = 0x18;  // the 64-bit code segment of entry.S
  idt[0x30].type_attr = 0x8E;
  idt[0x30].offset_mid = (unsigned short)(isr >> 16);
  idt[0x30].offset_high = (u32)(isr >> 32);
  struct __attribute__((packed)) {
    unsigned short limit;
    u64 base;
  } idtr = {sizeof idt - 1, (u64)idt};
  __asm__ volatile("lidt %0" ::"m"(idtr));
}

static u64 time_loop(void (*op)(void)) {
  const u64 t0 = rdtsc();
  for (int i = 0; i < kIterations; ++i) op();
  return rdtsc() - t0;
}

static void measure(const char* name, void (*op)(void), u64 baseline) {
  op();  // warm up
  const u64 total = time_loop(op);
  puts("bench ");
  puts(name);
  putc(' ');
  put_u64(total > baseline ? (total - baseline) / kIterations : 0);
  putc('\n');
}

int bench_main(void) {
  puts("bench guest: 64-bit mode, ");
  put_u64(kIterations);
  puts(" iterations per operation\n");
  install_idt();
  const u64 baseline = time_loop(op_none);
  measure("cpuid", op_cpuid, baseline);
  measure("vmcall", op_vmcall, baseline);
  measure("out_unclaimed", op_out, baseline);
  measure("rdmsr", op_rdmsr, baseline);
  measure("wrmsr", op_wrmsr, baseline);
  measure("cr8_write", op_cr8, baseline);
  measure("hlt_wake", op_hlt_wake, baseline);
  puts("bench done\n");
  return 0;
}

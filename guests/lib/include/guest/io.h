/* SPDX-License-Identifier: MIT */
/* guest/io.h: the x86 instructions a guest needs as C, one inline function
 * each: port I/O (SDM Vol. 2B, IN/OUT), the TSC, MSRs, CPUID, interrupt
 * flag and halting, and MMIO through a register operand. */
#ifndef GUEST_IO_H
#define GUEST_IO_H

#include <guest/types.h>

static inline void outb(u16 port, u8 v) { __asm__ volatile("outb %0, %1" ::"a"(v), "Nd"(port)); }
static inline void outw(u16 port, u16 v) { __asm__ volatile("outw %0, %1" ::"a"(v), "Nd"(port)); }
static inline void outl(u16 port, u32 v) { __asm__ volatile("outl %0, %1" ::"a"(v), "Nd"(port)); }
static inline u8 inb(u16 port) {
  u8 v;
  __asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
  return v;
}
static inline u16 inw(u16 port) {
  u16 v;
  __asm__ volatile("inw %1, %0" : "=a"(v) : "Nd"(port));
  return v;
}
static inline u32 inl(u16 port) {
  u32 v;
  __asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"(port));
  return v;
}

/* No fence (LFENCE/RDTSCP): Bochs executes in order, and the benchmarks'
 * numbers are Bochs's. The memory clobber keeps the compiler from moving
 * loads and stores across it. */
static inline u64 rdtsc(void) {
  u32 lo, hi;
  __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi)::"memory");
  return (u64)hi << 32 | lo;
}
static inline u64 rdmsr(u32 msr) {
  u32 lo, hi;
  __asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
  return (u64)hi << 32 | lo;
}
static inline void wrmsr(u32 msr, u64 v) {
  __asm__ volatile("wrmsr" ::"c"(msr), "a"((u32)v), "d"((u32)(v >> 32)) : "memory");
}
/* out[] = EAX, EBX, ECX, EDX of CPUID(leaf, subleaf) (SDM Vol. 2A, CPUID). */
static inline void cpuid(u32 leaf, u32 subleaf, u32 out[4]) {
  __asm__ volatile("cpuid" : "=a"(out[0]), "=b"(out[1]), "=c"(out[2]), "=d"(out[3]) : "a"(leaf), "c"(subleaf));
}

static inline void cli(void) { __asm__ volatile("cli" ::: "memory"); }
static inline void sti(void) { __asm__ volatile("sti" ::: "memory"); }
/* STI's one-instruction shadow makes "sti; hlt" race-free: an interrupt
 * that became pending while IF was 0 wakes this HLT instead of being taken
 * before it (SDM Vol. 2B, STI; Vol. 3A 6.8.3). */
static inline void sti_hlt(void) { __asm__ volatile("sti; hlt" ::: "memory"); }
/* The same shadow covers the NOP: a pending event is taken right after it. */
static inline void sti_nop(void) { __asm__ volatile("sti; nop" ::: "memory"); }
static inline void hlt(void) { __asm__ volatile("hlt" ::: "memory"); }
static inline void pause(void) { __asm__ volatile("pause" ::: "memory"); }
/* A compiler barrier: x86 keeps stores in order among themselves and loads
 * among themselves (SDM Vol. 3A 10.2.2), so this is all that is needed
 * between writing a payload and the flag that publishes it. */
static inline void barrier(void) { __asm__ volatile("" ::: "memory"); }

/* MMIO through a register operand (MOV m32, r32 = 89 /r; MOV r32, m32 =
 * 8B /r), exactly one instruction per access: a plain C access may become
 * the moffs form (A1/A3) or be folded into another instruction (CMP m32,
 * imm8), which a hypervisor that emulates APIC-page accesses need not
 * decode (docs/virtual-apic.md). */
static inline void mmio_write32(uptr addr, u32 v) {
  __asm__ volatile("movl %1, (%0)" ::"r"(addr), "r"(v) : "memory");
}
static inline u32 mmio_read32(uptr addr) {
  u32 v;
  __asm__ volatile("movl (%1), %0" : "=r"(v) : "r"(addr) : "memory");
  return v;
}

#endif

// SPDX-License-Identifier: MIT
// Privileged CPU instructions, each a tiny inline function (kernel-only).
#pragma once

#include "kernel/lib/types.hpp"

namespace nucleo::cpu {

struct CpuidResult {
  u32 eax, ebx, ecx, edx;
};

inline CpuidResult cpuid(u32 leaf, u32 subleaf = 0) {
  CpuidResult r;
  asm volatile("cpuid" : "=a"(r.eax), "=b"(r.ebx), "=c"(r.ecx), "=d"(r.edx) : "a"(leaf), "c"(subleaf));
  return r;
}

inline u64 rdmsr(u32 msr) {
  u32 lo, hi;
  asm volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
  return static_cast<u64>(hi) << 32 | lo;
}
inline void wrmsr(u32 msr, u64 v) {
  asm volatile("wrmsr" ::"c"(msr), "a"(static_cast<u32>(v)), "d"(static_cast<u32>(v >> 32)));
}
inline u64 rdtsc() {
  u32 lo, hi;
  asm volatile("rdtsc" : "=a"(lo), "=d"(hi));
  return static_cast<u64>(hi) << 32 | lo;
}

#define NUCLEO_READ_CR(n)                         \
  inline u64 read_cr##n() {                       \
    u64 v;                                        \
    asm volatile("mov %%cr" #n ", %0" : "=r"(v)); \
    return v;                                     \
  }
NUCLEO_READ_CR(0)
NUCLEO_READ_CR(2)
NUCLEO_READ_CR(3)
NUCLEO_READ_CR(4)
#undef NUCLEO_READ_CR

inline void write_cr0(u64 v) { asm volatile("mov %0, %%cr0" ::"r"(v) : "memory"); }
inline void write_cr4(u64 v) { asm volatile("mov %0, %%cr4" ::"r"(v) : "memory"); }
inline void write_cr3(u64 v) { asm volatile("mov %0, %%cr3" ::"r"(v) : "memory"); }
inline void pause() { asm volatile("pause"); }
inline void disable_interrupts() { asm volatile("cli" ::: "memory"); }
inline void enable_interrupts() { asm volatile("sti" ::: "memory"); }
inline u64 save_and_disable_interrupts() {
  u64 flags;
  asm volatile("pushfq; popq %0; cli" : "=r"(flags)::"memory");
  return flags;
}
inline void restore_interrupts(u64 flags) {
  if (flags & (1u << 9)) enable_interrupts();
}
inline void invlpg(u64 va) { asm volatile("invlpg (%0)" ::"r"(va) : "memory"); }
// Idle: wait for an interrupt with interrupts enabled (STI's shadow covers
// HLT, so a wake-up between the two is not lost).
inline void idle() { asm volatile("sti; hlt" ::: "memory"); }

[[noreturn]] inline void halt_forever() {
  for (;;) asm volatile("cli; hlt");
}

// Initial APIC ID of the executing CPU (CPUID.01H:EBX[31:24]); enough to
// name a CPU in diagnostics before per-CPU data exists.
inline u32 initial_apic_id() { return cpuid(1).ebx >> 24; }

}  // namespace nucleo::cpu

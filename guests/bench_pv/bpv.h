/* SPDX-License-Identifier: MIT */
/* bench_pv: shared declarations of the PV benchmark guest. 64-bit mode, the
 * first 1 GiB identity-mapped, so a guest-physical address is a pointer.
 * Everything goes through the hypercall ABI (docs/hypercalls.md): no port
 * I/O, no emulated device, no local APIC. */
#ifndef BENCH_PV_BPV_H
#define BENCH_PV_BPV_H

#include <nucleo/hypercall.h>
#include <stdint.h>

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
typedef int64_t i64;
typedef _Bool bool;
enum { false = 0, true = 1 };

/* Interrupt vectors the guest asks for (32..255). */
enum { VECTOR_EVENT = 0x40, VECTOR_TIMER = 0x41, VECTOR_PING = 0x42 };

/* Exit codes (NUCLEO_HC_EXIT): 0 every workload ran. */
enum { EXIT_OK = 0, EXIT_METER = 1, EXIT_CALL = 2, EXIT_TIMER = 3, EXIT_EVENT = 4, EXIT_EXCEPTION = 5 };

/* Function in RAX, arguments in RBX, RCX, RDX, RSI; RAX back. */
static inline i64 hc2(u64 function, u64 a1, u64 a2) {
  u64 rax = function, rbx = a1, rcx = a2, rdx = 0;
  __asm__ volatile("vmcall" : "+a"(rax), "+b"(rbx), "+c"(rcx), "+d"(rdx) : "S"(0ull) : "memory");
  return (i64)rax;
}
static inline i64 hc1(u64 function, u64 a1) { return hc2(function, a1, 0); }
static inline i64 hc0(u64 function) { return hc2(function, 0, 0); }

static inline u64 rdtsc(void) {
  u32 lo, hi;
  __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi)::"memory");
  return (u64)hi << 32 | lo;
}
static inline void cli(void) { __asm__ volatile("cli" ::: "memory"); }
static inline void sti(void) { __asm__ volatile("sti" ::: "memory"); }
/* STI's one-instruction shadow: a pending event is taken right after the
 * NOP (or wakes the HLT), never lost in between (SDM Vol. 3A 6.8.3). */
static inline void sti_nop(void) { __asm__ volatile("sti; nop" ::: "memory"); }
static inline void sti_hlt(void) { __asm__ volatile("sti; hlt" ::: "memory"); }
static inline void pause(void) { __asm__ volatile("pause" ::: "memory"); }

/* console.c: "bench_pv: " + a line through CONSOLE_WRITE; %s %u %U. */
void say(const char* fmt, ...);
__attribute__((noreturn)) void pv_exit(u32 code);

/* meter.c: the same EXIT_STATS meter as bench_fv's (one vCPU here). */
struct meter {
  u64 exits, hv_ticks;
};
bool meter_init(void);
void meter_read(struct meter* m);
struct meter meter_since(const struct meter* before);
void report(const char* name, u32 ops, u64 ticks, u64 empty, struct meter used);

/* workloads.c */
void idt_init(void);
void idt_load(void);
void bench_ipi_roundtrip(u32 n);
void bench_console(u32 kib, u32 chunk, const char* name);
void bench_time(u32 n);
void bench_timer(u32 n);
void bench_self_event(u32 n);
void bench_idle(u32 n, u64 delay, bool block);
void sleep_until(u64 tsc); /* BLOCK woken by TIMER_ONESHOT, until RDTSC reaches `tsc` */

#endif

/* SPDX-License-Identifier: MIT */
/* bench_fv: shared declarations of the FV benchmark guest. 32-bit protected
 * mode, flat segments, paging off (the Multiboot1 start state), so a
 * physical address is a pointer. The workloads use only PC interfaces (the
 * 16550, 8254 and local APIC data sheets / SDM); the one hypercall it makes,
 * EXIT_STATS, is the meter read outside every timed loop (meter.c). */
#ifndef BENCH_FV_FV_H
#define BENCH_FV_FV_H

#include <nucleo/hypercall.h>
#include <stdint.h>

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
typedef _Bool bool;
enum { false = 0, true = 1 };

/* Interrupt vectors (above the 8259s' range, which this guest never unmasks). */
enum { VEC_TIMER = 0x40, VEC_SELF = 0x41, VEC_PING = 0x42, VEC_PONG = 0x43, VEC_SPURIOUS = 0xff };

/* Exit codes (port 0xf4): 0 every workload ran, else the first that could not. */
enum { EXIT_OK = 0, EXIT_LAPIC = 1, EXIT_METER = 2, EXIT_TIMER = 3, EXIT_SMP = 4, EXIT_EXCEPTION = 5 };

static inline void outb(u16 port, u8 v) { __asm__ volatile("outb %0, %1" ::"a"(v), "Nd"(port)); }
static inline u8 inb(u16 port) {
  u8 v;
  __asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
  return v;
}
/* No fence: Bochs executes in order, and the numbers are Bochs's. */
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
static inline void cli(void) { __asm__ volatile("cli" ::: "memory"); }
static inline void sti(void) { __asm__ volatile("sti" ::: "memory"); }
/* STI's one-instruction shadow makes "sti; hlt" race-free (SDM Vol. 2B, STI). */
static inline void sti_hlt(void) { __asm__ volatile("sti; hlt" ::: "memory"); }
static inline void pause(void) { __asm__ volatile("pause" ::: "memory"); }

/* console.c: COM1, polled (16550: LSR bit 5 before each THR write). */
void console_init(void);
void com1_putc(char c);
void say(const char* fmt, ...); /* one line, "bench_fv: " prefixed; %s %u %U */
__attribute__((noreturn)) void guest_exit(u32 code);

/* meter.c: exits and hypervisor handler ticks of this VM (both vCPUs). */
struct meter {
  u64 exits, hv_ticks;
};
bool meter_init(void);
void meter_read(struct meter* m);
/* What happened since `before` was read, minus the meter's own read. */
struct meter meter_since(const struct meter* before);
/* Prints "bench: NAME OPS TICKS EXITS HV_TICKS" with TICKS = ticks - empty
 * (0 when negative): the tool parses it (tools/nucleolib/bench_fvpv.py). */
void report(const char* name, u32 ops, u64 ticks, u64 empty, struct meter used);

/* lapic.c: the xAPIC (SDM Vol. 3A chapter 11) at the IA32_APIC_BASE address. */
enum {
  APIC_ID = 0x20, APIC_EOI = 0xB0, APIC_SVR = 0xF0, APIC_ICR_LOW = 0x300, APIC_ICR_HIGH = 0x310,
  APIC_LVT_TIMER = 0x320, APIC_TIMER_INITIAL = 0x380, APIC_TIMER_CURRENT = 0x390, APIC_TIMER_DIVIDE = 0x3E0,
};
enum { ICR_SELF = 1u << 18, ICR_INIT = 0x4500, ICR_STARTUP = 0x4600 };
extern volatile u32* g_lapic;
/* One MOV per access, as Linux's readl/writel: a plain C access may be
 * folded into another instruction (CMP m32, imm8), which a hypervisor that
 * emulates APIC-page accesses need not decode (docs/virtual-apic.md). */
static inline u32 lapic_read(u32 reg) {
  u32 v;
  __asm__ volatile("movl %1, %0" : "=r"(v) : "m"(g_lapic[reg / 4]) : "memory");
  return v;
}
static inline void lapic_write(u32 reg, u32 v) {
  __asm__ volatile("movl %1, %0" : "=m"(g_lapic[reg / 4]) : "r"(v) : "memory");
}
bool lapic_init(void);      /* BSP: enable, divide by 1, timer masked; false without an xAPIC */
void lapic_enable_ap(void); /* the same on an AP */
void send_ipi(u32 apic_id, u32 icr_low);
/* TSC ticks per LAPIC timer count (x 256), measured against the TSC. */
extern u32 g_tsc_per_count_x256;
bool calibrate_lapic_timer(void);
void idt_load(void);
void idt_init(void);

/* Interrupt counters and what the handlers record (workloads.c). */
extern volatile u32 g_timer_irqs, g_self_irqs, g_pongs, g_pings;
extern volatile u64 g_handler_tsc;  /* RDTSC at the last timer interrupt's handler */
extern volatile u64 g_eoi_ticks;    /* summed TSC around the EOI write of VEC_SELF */
extern struct meter g_eoi_used;      /* summed meter windows around it */
extern volatile u32 g_time_eoi;     /* whether the VEC_SELF handler times its EOI */

/* The workloads (workloads.c, smp.c). */
void bench_console(u32 kib);
void bench_pit(u32 n);
void bench_self_ipi_eoi(u32 n);
void bench_timer(u32 n);
void bench_idle(u32 n, u32 delay_ticks);
bool start_ap(void);
void bench_ipi(u32 n);

#endif

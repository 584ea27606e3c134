/* SPDX-License-Identifier: MIT */
/* pc_smp: what every file of the SMP test guest shares. The guest runs in
 * 32-bit protected mode with flat segments and paging off (the Multiboot1
 * start state), so a physical address is a pointer. It knows nothing of
 * nucleo: only PC hardware interfaces (Intel SDM, the 8254, 8259, 16550 and
 * MC146818 data sheets, the ACPI spec and QEMU's fw_cfg) are used. */
#ifndef PC_SMP_PC_H
#define PC_SMP_PC_H

#include <stdarg.h>

typedef unsigned char u8;
typedef unsigned short u16;
typedef unsigned int u32;
typedef unsigned long long u64;
typedef unsigned int usize;
typedef int bool;
enum { false = 0, true = 1 };

#define NULL ((void*)0)
#define MAX_CPUS 16

/* One code per check, in the order they run; the exit code is the code of
 * the first check that failed (0: all passed). docs/guests.md lists them. */
enum check {
  CHECK_MULTIBOOT = 1,
  CHECK_FW_CFG = 2,
  CHECK_ACPI = 3,
  CHECK_MADT = 4,
  CHECK_PIT = 5,
  CHECK_RTC = 6,
  CHECK_PIC = 7,
  CHECK_LAPIC = 8,
  CHECK_TIMER_ONESHOT = 9,
  CHECK_TIMER_PERIODIC = 10,
  CHECK_TIMER_DEADLINE = 11,
  CHECK_SMP = 12,
  CHECK_IPI = 13,
  CHECK_NMI = 14,
  CHECK_EXCEPTION = 15, /* an unexpected CPU exception: fatal */
};

/* Interrupt vectors (above the 8259s' 0x20-0x2f, which stay masked). */
enum {
  VEC_NMI = 2,
  VEC_TIMER = 0x40,
  VEC_PING = 0x41,    /* BSP -> AP */
  VEC_PONG = 0x42,    /* AP -> BSP, the answer to a ping */
  VEC_NMI_ACK = 0x43, /* AP -> BSP, sent by the AP's NMI handler */
  VEC_HELLO = 0x44,   /* AP -> BSP, "I am online" */
  VEC_SPURIOUS = 0xff,
};

/* What the checks learn, for the checks after them. */
struct machine {
  u64 mb_available;   /* bytes of available RAM in the Multiboot memory map */
  u32 fw_cpus;        /* fw_cfg NB_CPUS, 0 when fw_cfg is absent */
  u64 fw_ram;         /* fw_cfg RAM_SIZE */
  u32 madt;           /* physical address of the MADT, 0 if not found */
  u32 lapic_base;     /* xAPIC MMIO base */
  u32 ncpus;          /* enabled processors in the MADT */
  u32 apic_ids[MAX_CPUS];
  u64 tsc_hz;         /* from the PIT calibration */
  u32 lapic_hz;       /* LAPIC timer ticks per second at divide-by-1 */
  u32 bsp_apic_id;
};
extern struct machine g_machine;

/* Port I/O and CPU instructions. */
static inline void outb(u16 port, u8 v) { __asm__ volatile("outb %0, %1" ::"a"(v), "Nd"(port)); }
static inline void outw(u16 port, u16 v) { __asm__ volatile("outw %0, %1" ::"a"(v), "Nd"(port)); }
static inline u8 inb(u16 port) {
  u8 v;
  __asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
  return v;
}
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
static inline void cpuid(u32 leaf, u32* a, u32* b, u32* c, u32* d) {
  __asm__ volatile("cpuid" : "=a"(*a), "=b"(*b), "=c"(*c), "=d"(*d) : "a"(leaf), "c"(0));
}
static inline void cli(void) { __asm__ volatile("cli" ::: "memory"); }
static inline void sti(void) { __asm__ volatile("sti" ::: "memory"); }
/* STI's one-instruction shadow makes "sti; hlt" race-free: an interrupt
 * that became pending while IF was 0 wakes this HLT (SDM Vol. 2B, STI). */
static inline void sti_hlt(void) { __asm__ volatile("sti; hlt" ::: "memory"); }
static inline void pause(void) { __asm__ volatile("pause" ::: "memory"); }

/* 64-bit arithmetic without libgcc (i686 has no 64-bit divide). */
u64 udivmod64(u64 n, u32 d, u32* rem);
static inline u64 udiv64(u64 n, u32 d) { return udivmod64(n, d, NULL); }
/* n * mul / div without overflowing 64 bits when n * mul does not. */
static inline u64 muldiv64(u64 n, u32 mul, u32 div) { return udiv64(n * mul, div); }
void* memset(void* d, int c, usize n);
void* memcpy(void* d, const void* s, usize n);
bool mem_eq(const void* a, const void* b, usize n);
u8 checksum8(const void* p, usize n);

/* Console (COM1, polled) and check reports. */
void console_init(void);
void say(const char* fmt, ...); /* one whole line; %s %c %u %x %U %X (U/X: u64) */
void vformat(char* buf, usize size, const char* fmt, va_list ap);
void check_ok(enum check c, const char* fmt, ...);
void check_fail(enum check c, const char* fmt, ...);
void check_skip(enum check c, const char* why);
enum check first_failure(void);
u32 failures(void);
const char* check_name(enum check c);
__attribute__((noreturn)) void guest_exit(u32 code);

/* The checks, in order (main.c runs them). */
void check_multiboot(u32 magic, u32 mbi);
void check_fw_cfg(void);
void check_acpi(void);
void check_madt(void);
void check_pit(void);
void check_rtc(void);
void check_pic(void);
bool check_lapic(void);
void check_timers(void);
void check_smp(void);

/* PIT channel 2 as a stopwatch: TSC ticks across `ms` milliseconds. */
u64 pit_gate_wait(u32 ms, void (*at_start)(void), void (*at_end)(void));

/* PIT channel 2 as a stopwatch of up to 54.9 ms (then it says WRAPPED). */
enum { PIT_STOPWATCH_WRAPPED = 0xffffffffu };
void pit_stopwatch_start(void);
u32 pit_stopwatch_us(void);

/* Local APIC (lapic.c). */
u32 lapic_read(u32 reg);
void lapic_write(u32 reg, u32 v);
u32 lapic_id(void);
void lapic_enable(void);
void lapic_eoi(void);
bool lapic_send_ipi(u32 apic_id, u32 icr_low);
u32 lapic_count_for_us(u32 us);
bool wait_for(volatile u32* counter, u32 target, u32 timeout_us);
void delay_us(u32 us);
extern volatile u32 g_timer_ticks;

/* IDT (interrupts.c). */
void idt_load(void);
void idt_init(void);
extern volatile u32 g_pongs, g_nmi_acks, g_hellos;
extern volatile u32 g_pings[MAX_CPUS], g_nmis[MAX_CPUS], g_nmi_depth[MAX_CPUS], g_nmi_nested[MAX_CPUS], g_unexpected;
int cpu_index_of(u32 apic_id);

#endif

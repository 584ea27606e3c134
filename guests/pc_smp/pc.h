/* SPDX-License-Identifier: MIT */
/* pc_smp: what every file of the SMP test guest shares. The guest runs in
 * 32-bit protected mode with flat segments and paging off (the Multiboot1
 * start state), so a physical address is a pointer. It knows nothing of
 * nucleo: only PC hardware interfaces (Intel SDM, the 8254, 8259, 16550 and
 * MC146818 data sheets, the ACPI spec and QEMU's fw_cfg) are used. */
#ifndef PC_SMP_PC_H
#define PC_SMP_PC_H

#include <stdarg.h>

#include <guest/console.h>
#include <guest/div64.h>
#include <guest/exit.h>
#include <guest/idt.h>
#include <guest/io.h>
#include <guest/lapic.h>
#include <guest/smp.h>
#include <guest/types.h>

typedef u32 usize;

#define MAX_CPUS SMP_MAX_CPUS

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
  CHECK_IOAPIC = 16,    /* runs after the SMP checks: it routes to an AP */
};

/* Interrupt vectors (above the 8259s' 0x20-0x2f, which stay masked). */
enum {
  VEC_NMI = 2,
  VEC_TIMER = 0x40,
  VEC_PING = 0x41,    /* BSP -> AP */
  VEC_PONG = 0x42,    /* AP -> BSP, the answer to a ping */
  VEC_NMI_ACK = 0x43, /* AP -> BSP, sent by the AP's NMI handler */
  VEC_HELLO = 0x44,   /* AP -> BSP, "I am online" */
  VEC_IOAPIC = 0x45,  /* the PIT through the I/O APIC */
  VEC_SPURIOUS = LAPIC_SPURIOUS_VECTOR,
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
  u32 ioapic_base;    /* the first MADT I/O APIC's MMIO base, 0: none */
  u32 ioapic_gsi_base;
  u32 pit_gsi;        /* ISA IRQ 0's GSI: its MADT override, else 0 */
};
extern struct machine g_machine;

/* util.c: what clang may call (memset, memcpy) and byte compares. */
void* memset(void* d, int c, usize n);
void* memcpy(void* d, const void* s, usize n);
bool mem_eq(const void* a, const void* b, usize n);
u8 checksum8(const void* p, usize n);

/* Check reports (console.c; the console is the library's COM1). */
void check_ok(enum check c, const char* fmt, ...);
void check_fail(enum check c, const char* fmt, ...);
void check_skip(enum check c, const char* why);
enum check first_failure(void);
u32 failures(void);
const char* check_name(enum check c);

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
void check_ioapic(void);
bool cpu_online(u32 cpu); /* smp.c: an AP that came online (cpu 0: the BSP, always) */

/* PIT channel 2 as a stopwatch: TSC ticks across `ms` milliseconds. */
u64 pit_gate_wait(u32 ms, void (*at_start)(void), void (*at_end)(void));

/* PIT channel 2 as a stopwatch of up to 54.9 ms (then it says WRAPPED). */
enum { PIT_STOPWATCH_WRAPPED = 0xffffffffu };
void pit_stopwatch_start(void);
u32 pit_stopwatch_us(void);

/* Local APIC timer and waits (lapic.c; the registers are guest/lapic.h's). */
u32 lapic_count_for_us(u32 us);
bool wait_for(volatile u32* counter, u32 target, u32 timeout_us);
void delay_us(u32 us);
extern volatile u32 g_timer_ticks;

/* Interrupt handlers (interrupts.c) behind the library's IDT. */
void handlers_init(void);
extern volatile u32 g_pongs, g_nmi_acks, g_hellos;
extern volatile u32 g_pings[MAX_CPUS], g_nmis[MAX_CPUS], g_nmi_depth[MAX_CPUS], g_nmi_nested[MAX_CPUS], g_unexpected;
extern volatile u32 g_ioapic_irqs[MAX_CPUS];
int cpu_index_of(u32 apic_id);

#endif

/* SPDX-License-Identifier: MIT */
/* bench_fv: shared declarations of the FV benchmark guest. 32-bit protected
 * mode, flat segments, paging off (the Multiboot1 start state), so a
 * physical address is a pointer. The workloads use only PC interfaces (the
 * 16550, 8254 and local APIC data sheets / SDM); the one hypercall it makes,
 * EXIT_STATS, is the meter read outside every timed loop (guest/meter.h).
 * The guest library (guests/lib) gives it its start, console, exit, IDT,
 * local APIC and the second vCPU's start. */
#ifndef BENCH_FV_FV_H
#define BENCH_FV_FV_H

#include <guest/console.h>
#include <guest/exit.h>
#include <guest/idt.h>
#include <guest/io.h>
#include <guest/lapic.h>
#include <guest/meter.h>
#include <guest/smp.h>
#include <guest/types.h>

/* Interrupt vectors (above the 8259s' range, which this guest never unmasks). */
enum { VEC_TIMER = 0x40, VEC_SELF = 0x41, VEC_PING = 0x42, VEC_PONG = 0x43 };

/* Exit codes (port 0xf4): 0 every workload ran, else the first that could not. */
enum { EXIT_OK = 0, EXIT_LAPIC = 1, EXIT_METER = 2, EXIT_TIMER = 3, EXIT_SMP = 4, EXIT_EXCEPTION = 5 };

/* calibrate.c: TSC ticks per LAPIC timer count (x 256) at divide-by-1,
 * measured against the TSC (the workloads give delays in TSC ticks). */
extern u32 g_tsc_per_count_x256;
bool calibrate_lapic_timer(void);

/* Interrupt counters and what the handlers record (workloads.c). */
extern volatile u32 g_timer_irqs, g_self_irqs, g_pongs, g_pings;
extern volatile u64 g_handler_tsc;  /* RDTSC at the last timer interrupt's handler */
extern volatile u64 g_eoi_ticks;    /* summed TSC around the EOI write of VEC_SELF */
extern struct meter g_eoi_used;      /* summed meter windows around it */
extern volatile u32 g_time_eoi;     /* whether the VEC_SELF handler times its EOI */

/* The workloads (workloads.c, smp.c); their interrupt handlers. */
void handlers_init(void);
void bench_console(u32 kib);
void bench_pit(u32 n);
void bench_self_ipi_eoi(u32 n);
void bench_timer(u32 n);
void bench_idle(u32 n, u32 delay_ticks);
bool start_ap(void);
void bench_ipi(u32 n);

#endif

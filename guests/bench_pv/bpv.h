/* SPDX-License-Identifier: MIT */
/* bench_pv: shared declarations of the PV benchmark guest. 64-bit mode, the
 * first 1 GiB identity-mapped, so a guest-physical address is a pointer.
 * Everything goes through the hypercall ABI (docs/hypercalls.md): no port
 * I/O, no emulated device, no local APIC. The guest library (guests/lib)
 * gives it its start in 64-bit mode, console, exit, IDT and meter. */
#ifndef BENCH_PV_BPV_H
#define BENCH_PV_BPV_H

#include <guest/console.h>
#include <guest/exit.h>
#include <guest/hypercall.h>
#include <guest/idt.h>
#include <guest/io.h>
#include <guest/long_mode.h>
#include <guest/meter.h>
#include <guest/types.h>

/* Interrupt vectors the guest asks for (32..255). */
enum { VECTOR_EVENT = 0x40, VECTOR_TIMER = 0x41, VECTOR_PING = 0x42 };

/* Exit codes (NUCLEO_HC_EXIT): 0 every workload ran. */
enum { EXIT_OK = 0, EXIT_METER = 1, EXIT_CALL = 2, EXIT_TIMER = 3, EXIT_EVENT = 4, EXIT_EXCEPTION = 5 };

/* workloads.c */
void handlers_init(void);
void bench_ipi_roundtrip(u32 n);
void bench_console(u32 kib, u32 chunk, const char* name);
void bench_time(u32 n);
void bench_timer(u32 n);
void bench_self_event(u32 n);
void bench_idle(u32 n, u64 delay, bool block);
void sleep_until(u64 tsc); /* BLOCK woken by TIMER_ONESHOT, until RDTSC reaches `tsc` */

#endif

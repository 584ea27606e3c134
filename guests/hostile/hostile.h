/* SPDX-License-Identifier: MIT */
/* hostile: shared declarations. A Multiboot2 ELF32 guest in 32-bit
 * protected mode, paging off (except for one PAE mapping in stage 0), so a
 * physical address below 4 GiB is a pointer. docs/guests.md describes the
 * stages and what each attempt expects. */
#ifndef HOSTILE_HOSTILE_H
#define HOSTILE_HOSTILE_H

#include <guest/console.h>
#include <guest/exit.h>
#include <guest/io.h>
#include <guest/types.h>

/* Exit codes through port 0xf4. */
enum {
  EXIT_DONE = 0,               /* stage 3: every stage ran */
  EXIT_BAD_BOOT = 112,         /* no Multiboot2 magic or a malformed information structure */
  EXIT_UNEXPECTED_FAULT = 113, /* an exception outside an attempt */
  EXIT_BAD_STAGE = 114,        /* nucleo.boot=N names no stage */
};

/* probe.S: run fn(arg) with the IDT armed. Returns 0 when fn returned, or
 * PROBE_FAULT | vector when an exception ended it (the error code in
 * probe_error, the faulting EIP in probe_eip). run_user(fn-in-asm) enters
 * CPL 3 for user_vmcall. */
enum { PROBE_FAULT = 0x100 };
u32 probe(void (*fn)(void* arg), void* arg);
extern volatile u32 probe_error, probe_eip;
extern volatile u32 nmi_count, irq_count, irq_last_vector;
void idt_install(void);
void idt_load_empty(void);

/* The 32-bit hypercall registers (only the low halves are read outside
 * 64-bit mode, docs/hypercalls.md). */
struct hc_regs {
  u32 a, b, c, d, s;
};
/* VMCALL at CPL 0 inside a probe; returns the probe's result. */
u32 hypercall(struct hc_regs* r);
/* VMCALL at CPL 3 (a flat ring-3 code segment) inside a probe. */
u32 hypercall_user(struct hc_regs* r);

/* Reporting: one line per attempt, counted. */
struct tally {
  u32 attempts, contained;
};
extern struct tally tally;
extern bool under_nucleo; /* CPUID 0x40000000 says NucleoNucleo */
/* "#GP(0)", "#UD", ... for a probe result; "returned" for 0. */
const char* fault_name(u32 probe_result);
/* Counts one attempt under nucleo (`ok`: contained as expected) and says
 * "contained" or "UNEXPECTED"; without nucleo (bare QEMU, which is lenient
 * with MSRs) nothing is judged. */
const char* verdict(bool ok);

/* mbi.c: the command line and the end of RAM from the Multiboot2 info. */
struct boot_info {
  const char* cmdline; /* "" when there is no tag */
  u32 ram_end;         /* end of the highest available region below 4 GiB */
};
bool read_boot_info(u32 magic, u32 addr, struct boot_info* out);

/* The attempts, one file each. */
void attack_hypercalls(u32 ram_end, u32 cpus, u32 channels);
void attack_early_nmi(void);         /* an NMI to vCPU 1 before it runs (cpus=2) */
void attack_ipis(u32 cpus);           /* cpus: our vCPUs, APIC IDs 0..cpus-1 */
void attack_xsetbv(void);             /* xstate.c: XCR0 rule violations */
void set_leftover_state(void);        /* xstate.c: MSRs, XCR0, x87/SSE/AVX the next boot must not see */
void check_reset_state(void);         /* xstate.c: ...and the next boot's check */
void attack_cache_flush(u32 count);   /* storms.c: WBINVD and INVD loops */
void attack_doorbell_storm(u32 rounds); /* storms.c: REP OUTSB to a channel's doorbell port */
void attack_forged_result(void);      /* storms.c: a NUCLEO-RESULT line of our own */
void attack_console_flood(u32 lines); /* storms.c: two vCPUs writing 4 KiB lines */
void attack_msrs(void);
void attack_vmx(void);
void attack_spin(u32 millions);
void attack_far_write(void);          /* stage 0's end: GPA 4 GiB + 1 MiB */
void attack_above_ram(u32 ram_end, u32 channels); /* stage 1 */
void attack_triple_fault(void);       /* stage 2 */

#endif

/* SPDX-License-Identifier: MIT */
/* isa_lab: the workload guest of the extended-instructions laboratory
 * (docs/isa-lab.md). 32-bit protected mode with its own paging (4-MiB
 * identity pages and one 4-KiB window it remaps), an xAPIC, and every vCPU
 * of its VM: vCPU 0 drives, the others spin with interrupts on (busy
 * vCPUs, the case where posted interrupts remove the target's exit) and
 * answer interrupts. Each workload runs first the baseline way, then with
 * the extended instruction if CPUID.40000002H says the VM has it; both
 * runs must give the same guest-visible results. With ping=ROUNDS or
 * pong=1 on its command line it is one side of the cross-VM notify
 * workload instead (notify.c). */
#ifndef ISA_LAB_LAB_H
#define ISA_LAB_LAB_H

#include <guest/console.h>
#include <guest/exit.h>
#include <guest/idt.h>
#include <guest/io.h>
#include <guest/lapic.h>
#include <guest/meter.h>
#include <guest/smp.h>
#include <guest/types.h>
#include <nucleo/hypercall.h>
#include <nucleo/isa.h>

enum { VEC_PING = 0x42, VEC_SHOOT = 0x43, VEC_WAKE = 0x44 };
enum {
  EXIT_OK = 0, EXIT_LAPIC = 1, EXIT_METER = 2, EXIT_SMP = 3, EXIT_EXCEPTION = 4, EXIT_MISMATCH = 5,
  EXIT_NO_GAIN = 6, EXIT_CPUID = 7, EXIT_CMDLINE = 8,
};
enum { MAX_VCPUS = SMP_MAX_CPUS, MAX_SPINS = 20000000 };

extern u32 g_vcpus;       /* the VM's vCPUs (CPUID.01H:EBX[23:16]) */
extern u32 g_extensions;  /* CPUID.40000002H:EAX */
static inline bool has_ext(u32 id) { return (g_extensions >> id) & 1; }

/* paging.c: the page directory; the window's linear address and its two
 * backing pages, and remapping it. */
#define WINDOW_LINEAR 0x40000000u
void paging_init(void);
void paging_enable(void); /* on each vCPU */
void window_map(u32 which); /* 0: page A, 1: page B (the PTE only) */
volatile u32* window_page(u32 which);
static inline void invlpg(u32 linear) { __asm__ volatile("invlpg (%0)" ::"r"(linear) : "memory"); }

/* lab.c: one measured run. */
struct isa_counts {
  u64 executed[NUCLEO_HC_ISA_PROPOSALS], targets[NUCLEO_HC_ISA_PROPOSALS], elided[NUCLEO_HC_ISA_PROPOSALS];
  /* the hypervisor's ticks: emulating, and (root-mode proposals) its baseline */
  u64 emulation_tsc[NUCLEO_HC_ISA_PROPOSALS], baseline_runs[NUCLEO_HC_ISA_PROPOSALS],
      baseline_tsc[NUCLEO_HC_ISA_PROPOSALS];
};
struct run {
  struct meter before, used;
  struct isa_counts isa_before, isa;
  u64 t0, ticks;
  /* Guest-seen ticks inside the instructions a proposal does in hardware:
   * the extended instruction (ext runs), the ICR writes (base runs). */
  u64 emul_ticks;
  u32 ops;
};
void run_begin(struct run* r);
void run_end(struct run* r, u32 ops);
/* "isa: WORKLOAD MODE VCPUS OPS TICKS EXITS HV_TICKS EMUL_TICKS EXECUTED TARGETS ELIDED_IPIV ELIDED_PINTR
 *  ELIDED_OWN CHECK" (ELIDED_OWN: the exits the workload's own proposal counted) */
void run_report(const char* workload, const char* mode, u32 proposal, const struct run* r, bool ok);
void isa_counts_read(struct isa_counts* c);
/* One workload the baseline way, then with its proposal when `has` (else
 * "WORKLOAD: MISSING: baseline only"), each run reported. `fn` makes one
 * run of `n` operations and says whether its guest-visible results were
 * right. PAIR_FAILED when one was not. */
enum pair { PAIR_FAILED, PAIR_BASE_ONLY, PAIR_BOTH };
enum pair run_pair(const char* workload, u32 proposal, bool has, const char* missing,
                   bool (*fn)(struct run* r, u32 n, bool extension), u32 n, struct run* base, struct run* ext);
u64 null_exit_ticks(void);

/* The APs' loop: spin with interrupts on (or, while g_idle, halt in
 * STI; HLT between interrupts), answer the check requests. */
extern volatile u32 g_idle;
extern volatile u32 g_check_generation;
extern volatile u32 g_checked[MAX_VCPUS];
extern volatile u32 g_window_seen[MAX_VCPUS];
/* Every AP reads the window once more; false if one did not answer. */
bool check_all_read_window(void);

/* ipi.c and tlb.c: the workloads; false if a result differed. */
void ipi_init(void);
bool workload_ipi(u32 rounds);
bool workload_ipi_idle(u32 rounds);
void tlb_init(void);
bool workload_tlb(u32 rounds);

/* notify.c: the cross-VM workload over the channel "notify", one side
 * each; the pong side returns only by exiting the VM. */
bool workload_notify_ping(u32 rounds);
void workload_notify_pong(void);

/* migrate.c: the page-migration workload of BINVEPT; an AP's share of a round. */
extern volatile u32 g_migrate_round;
void migrate_ap(u32 cpu);
bool workload_migrate(u32 count, bool has_binvept);

#endif

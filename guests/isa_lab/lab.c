/* SPDX-License-Identifier: MIT */
/* Measuring one run: the EXIT_STATS meter, the ISA_STATS counters
 * (docs/hypercalls.md) and the TSC, which under Bochs counts instructions. */
#include <guest/hypercall.h>

#include "lab.h"

volatile u32 g_idle;
volatile u32 g_check_generation;
volatile u32 g_checked[MAX_VCPUS];
volatile u32 g_window_seen[MAX_VCPUS];

static struct nucleo_hc_isa_stats g_isa __attribute__((aligned(8)));

void isa_counts_read(struct isa_counts* c) {
  if (hc2(NUCLEO_HC_ISA_STATS, (uptr)&g_isa, sizeof g_isa) != (iptr)sizeof g_isa) {
    for (u32 i = 0; i < NUCLEO_HC_ISA_PROPOSALS; ++i)
      c->executed[i] = c->targets[i] = c->elided[i] = c->emulation_tsc[i] = c->baseline_runs[i] = c->baseline_tsc[i] =
          0;
    return;
  }
  for (u32 i = 0; i < NUCLEO_HC_ISA_PROPOSALS; ++i) {
    c->executed[i] = g_isa.executed[i];
    c->targets[i] = g_isa.targets[i];
    c->elided[i] = g_isa.elided_exits[i];
    c->emulation_tsc[i] = g_isa.emulation_tsc[i];
    c->baseline_runs[i] = g_isa.baseline_runs[i];
    c->baseline_tsc[i] = g_isa.baseline_tsc[i];
  }
}

void run_begin(struct run* r) {
  r->emul_ticks = 0;
  isa_counts_read(&r->isa_before);
  meter_read(&r->before);
  r->t0 = rdtsc();
}

void run_end(struct run* r, u32 ops) {
  r->ticks = rdtsc() - r->t0;
  r->used = meter_since(&r->before);
  struct isa_counts now;
  isa_counts_read(&now);
  for (u32 i = 0; i < NUCLEO_HC_ISA_PROPOSALS; ++i) {
    r->isa.executed[i] = now.executed[i] - r->isa_before.executed[i];
    r->isa.targets[i] = now.targets[i] - r->isa_before.targets[i];
    r->isa.elided[i] = now.elided[i] - r->isa_before.elided[i];
    r->isa.emulation_tsc[i] = now.emulation_tsc[i] - r->isa_before.emulation_tsc[i];
    r->isa.baseline_runs[i] = now.baseline_runs[i] - r->isa_before.baseline_runs[i];
    r->isa.baseline_tsc[i] = now.baseline_tsc[i] - r->isa_before.baseline_tsc[i];
  }
  r->ops = ops;
}

void run_report(const char* workload, const char* mode, u32 proposal, const struct run* r, bool ok) {
  say("isa: %s %s %u %u %U %U %U %U %U %U %U %U %U %s", workload, mode, g_vcpus, r->ops, r->ticks, r->used.exits,
      r->used.hv_ticks, r->emul_ticks, r->isa.executed[proposal], r->isa.targets[proposal],
      r->isa.elided[NUCLEO_ISA_IPIV], r->isa.elided[NUCLEO_ISA_PINTR], r->isa.elided[proposal], ok ? "ok" : "FAIL");
}

/* The guest-seen cost of the cheapest exit: CPUID of the signature leaf,
 * which nucleo answers without asking the host. */
enum pair run_pair(const char* workload, u32 proposal, bool has, const char* missing,
                   bool (*fn)(struct run* r, u32 n, bool extension), u32 n, struct run* base, struct run* ext) {
  const bool base_ok = fn(base, n, false);
  run_report(workload, "base", proposal, base, base_ok);
  if (!base_ok) return PAIR_FAILED;
  if (!has) {
    say("%s: %s: baseline only", workload, missing);
    return PAIR_BASE_ONLY;
  }
  const bool ext_ok = fn(ext, n, true);
  run_report(workload, "ext", proposal, ext, ext_ok);
  return ext_ok ? PAIR_BOTH : PAIR_FAILED;
}

u64 null_exit_ticks(void) {
  enum { N = 64 };
  u32 out[4];
  u64 best = ~(u64)0;
  for (u32 i = 0; i < N; ++i) {
    const u64 t0 = rdtsc();
    cpuid(NUCLEO_CPUID_SIGNATURE_LEAF, 0, out);
    const u64 t = rdtsc() - t0;
    if (t < best) best = t;
  }
  return best;
}

bool check_all_read_window(void) {
  const u32 generation = g_check_generation + 1;
  __atomic_store_n(&g_check_generation, generation, __ATOMIC_SEQ_CST);
  for (u32 cpu = 1; cpu < g_vcpus; ++cpu) {
    u32 spins = 0;
    while (__atomic_load_n(&g_checked[cpu], __ATOMIC_ACQUIRE) != generation && ++spins < MAX_SPINS) pause();
    if (spins == MAX_SPINS) return false;
  }
  return true;
}

/* SPDX-License-Identifier: MIT */
/* The migrate workload (docs/isa/binvept.md): every vCPU keeps incrementing
 * its own counter in one page while vCPU 0 asks the hypervisor to move that
 * page to another host frame (NUCLEO_HC_MIGRATE_PAGE). After each move every
 * vCPU stops and each counter in the page must equal the increments that
 * vCPU made: a core that kept a stale EPT translation would have written
 * into the old frame and the page would have lost them. One operation = one
 * migration, timed on vCPU 0 around the hypercall; the hypervisor's own
 * invalidations are in ISA_STATS (EMUL_TICKS of the report). Baseline: the
 * hypervisor's cross-call to the VM's cores; extension: its BINVEPT, a
 * root-mode instruction the guest cannot execute and does not see in
 * CPUID.40000002H:EAX, chosen per call by the hypercall's RCX. */
#include <guest/hypercall.h>

#include "lab.h"

enum { SLOT = 16 }; /* one counter per 64-byte line */

static volatile u32 g_page[1024] __attribute__((aligned(4096)));
static volatile u32 g_made[MAX_VCPUS];    /* increments each vCPU made (kept outside the page) */
static volatile u32 g_started[MAX_VCPUS]; /* the round in which a vCPU incremented first */
static volatile u32 g_stopped[MAX_VCPUS]; /* the round a vCPU stopped incrementing after */
volatile u32 g_migrate_round;             /* 0: nobody increments */
static u32 g_rounds_done;

/* An AP's part of a round: increment until vCPU 0 ends it. */
void migrate_ap(u32 cpu) {
  const u32 round = __atomic_load_n(&g_migrate_round, __ATOMIC_ACQUIRE);
  if (round == 0 || g_stopped[cpu] == round) return;
  u32 made = 0;
  do {
    g_page[cpu * SLOT] = g_page[cpu * SLOT] + 1;
    ++made;
    if (made == 1) __atomic_store_n(&g_started[cpu], round, __ATOMIC_RELEASE);
  } while (__atomic_load_n(&g_migrate_round, __ATOMIC_ACQUIRE) == round);
  g_made[cpu] += made;
  __atomic_store_n(&g_stopped[cpu], round, __ATOMIC_RELEASE);
}

static bool wait_all(volatile u32* flags, u32 round) {
  for (u32 cpu = 1; cpu < g_vcpus; ++cpu) {
    u32 spins = 0;
    while (__atomic_load_n(&flags[cpu], __ATOMIC_ACQUIRE) != round && ++spins < MAX_SPINS) pause();
    if (spins == MAX_SPINS) return false;
  }
  return true;
}

/* Every counter in the page equals what its vCPU made. */
static bool sums_match(u32 migration, const char* how) {
  for (u32 cpu = 0; cpu < g_vcpus; ++cpu) {
    if (g_page[cpu * SLOT] != g_made[cpu]) {
      say("FAIL migration %u (%s): vCPU %u made %u increments, the page holds %u", migration, how, cpu, g_made[cpu],
          g_page[cpu * SLOT]);
      return false;
    }
  }
  return true;
}

static bool migrations(struct run* r, u32 count, bool binvept) {
  const char* how = binvept ? "BINVEPT" : "cross-call";
  const u32 mode = binvept ? NUCLEO_HC_MIGRATE_BINVEPT : NUCLEO_HC_MIGRATE_BASELINE;
  u64 ticks = 0;
  run_begin(r);
  for (u32 i = 0; i < count; ++i) {
    const u32 round = ++g_rounds_done;
    __atomic_store_n(&g_migrate_round, round, __ATOMIC_RELEASE);
    /* Every AP is writing into the page when it moves. */
    if (!wait_all(g_started, round)) {
      say("FAIL migration %u (%s): a vCPU did not start incrementing", i, how);
      return false;
    }
    for (u32 k = 0; k < 64; ++k) g_page[0] = g_page[0] + 1;
    g_made[0] += 64;
    const u64 t0 = rdtsc();
    const iptr status = hc2(NUCLEO_HC_MIGRATE_PAGE, (uptr)g_page, mode);
    ticks += rdtsc() - t0;
    for (u32 k = 0; k < 64; ++k) g_page[0] = g_page[0] + 1;
    g_made[0] += 64;
    __atomic_store_n(&g_migrate_round, 0, __ATOMIC_RELEASE);
    if (status != 0) {
      say("FAIL migration %u (%s): MIGRATE_PAGE returned %d", i, how, (i32)status);
      return false;
    }
    if (!wait_all(g_stopped, round)) {
      say("FAIL migration %u (%s): a vCPU did not stop incrementing", i, how);
      return false;
    }
    if (!sums_match(i, how)) return false;
  }
  run_end(r, count);
  r->ticks = ticks; /* only the migrations, not the rounds' hand-shakes */
  r->emul_ticks = binvept ? r->isa.emulation_tsc[NUCLEO_ISA_BINVEPT] : r->isa.baseline_tsc[NUCLEO_ISA_BINVEPT];
  return true;
}

bool workload_migrate(u32 count, bool has_binvept) {
  struct run base, ext;
  const enum pair done = run_pair("migrate", NUCLEO_ISA_BINVEPT, has_binvept, "the hypervisor has no BINVEPT",
                                  migrations, count, &base, &ext);
  if (done != PAIR_BOTH) return done == PAIR_BASE_ONLY;
  say("migrate: every increment of every vCPU stayed in the page either way; %U invalidations by cross-call, "
      "%U by BINVEPT",
      base.isa.baseline_runs[NUCLEO_ISA_BINVEPT], ext.isa.executed[NUCLEO_ISA_BINVEPT]);
  return true;
}

/* SPDX-License-Identifier: MIT */
/* The TLB workload (docs/isa/vtlbi.md): every vCPU has read the window; vCPU
 * 0 points it at the other page (with a new value in it) and invalidates
 * the translation on every vCPU, then every vCPU reads the window again and
 * must see the new value. One operation = the remap and the invalidation,
 * timed on vCPU 0. Baseline: INVLPG here and an IPI shootdown (VEC_SHOOT:
 * each target INVLPGs and acknowledges); extension: VTLBI, one instruction
 * with completion. */
#include "lab.h"

static volatile u32 g_shoot_acks;

static void on_shoot(void) {
  invlpg(WINDOW_LINEAR);
  __atomic_fetch_add(&g_shoot_acks, 1, __ATOMIC_RELEASE);
  lapic_eoi();
}

void tlb_init(void) { idt_set(VEC_SHOOT, on_shoot); }

/* `icr_ticks` gains the guest-seen time of the ICR writes (what IPI
 * virtualization would do without an exit). */
static bool shootdown(u64* icr_ticks) {
  invlpg(WINDOW_LINEAR);
  const u32 want = g_shoot_acks + (g_vcpus - 1);
  for (u32 cpu = 1; cpu < g_vcpus; ++cpu) {
    const u64 t0 = rdtsc();
    (void)send_ipi(cpu, VEC_SHOOT);
    *icr_ticks += rdtsc() - t0;
  }
  for (u32 spins = 0; __atomic_load_n(&g_shoot_acks, __ATOMIC_ACQUIRE) != want; ++spins) {
    if (spins == MAX_SPINS) return false;
    pause();
  }
  return true;
}

/* Every vCPU reads the window and must see `value`. */
static bool all_see(u32 value, u32 round, const char* how) {
  const u32 here = *(volatile u32*)(uptr)WINDOW_LINEAR;
  if (here != value || !check_all_read_window()) {
    say("FAIL round %u (%s): vCPU 0 read %x, want %x, or a vCPU did not answer", round, how, here, value);
    return false;
  }
  for (u32 cpu = 1; cpu < g_vcpus; ++cpu) {
    if (g_window_seen[cpu] != value) {
      say("FAIL round %u (%s): vCPU %u read %x through a stale translation, want %x", round, how, cpu,
          g_window_seen[cpu], value);
      return false;
    }
  }
  return true;
}

static u32 g_round;

static bool remaps(struct run* r, u32 rounds, bool vtlbi) {
  const char* how = vtlbi ? "VTLBI" : "IPI shootdown";
  u64 ticks = 0;
  run_begin(r);
  for (u32 i = 0; i < rounds; ++i) {
    /* Every vCPU holds the current translation (it just read through it). */
    if (!all_see(g_round, i, how)) return false;
    ++g_round;
    window_page(g_round)[0] = g_round;
    const u64 t0 = rdtsc();
    window_map(g_round);
    if (vtlbi) {
      nucleo_vtlbi(WINDOW_LINEAR, 1);
    } else if (!shootdown(&r->emul_ticks)) {
      say("FAIL round %u: a vCPU did not acknowledge the shootdown", i);
      return false;
    }
    const u64 t = rdtsc() - t0;
    ticks += t;
    if (vtlbi) r->emul_ticks += t;  /* the whole invalidation is the instruction */
  }
  run_end(r, rounds);
  r->ticks = ticks;  /* only the remap and the invalidation, not the checks */
  return all_see(g_round, rounds, how);
}

bool workload_tlb(u32 rounds) {
  struct run base, ext;
  const enum pair done = run_pair("tlb", NUCLEO_ISA_VTLBI, has_ext(NUCLEO_ISA_VTLBI), "VTLBI not enabled in this VM",
                                  remaps, rounds, &base, &ext);
  if (done != PAIR_BOTH) return done == PAIR_BASE_ONLY;
  say("tlb: every vCPU saw every new page either way; invalidations reached %U other vCPUs with VTLBI",
      ext.isa.targets[NUCLEO_ISA_VTLBI]);
  /* In hardware neither VTLBI's own exit nor the targets' kick exits of
   * its emulation happen. With one vCPU there is nothing to remove. */
  const u64 hardware = ext.used.exits - ext.isa.executed[NUCLEO_ISA_VTLBI] - ext.isa.elided[NUCLEO_ISA_VTLBI];
  say("tlb: exits %U baseline, %U with VTLBI emulated, %U on hardware with VTLBI", base.used.exits, ext.used.exits,
      hardware);
  if (g_vcpus > 1 && hardware >= base.used.exits) {
    say("FAIL VTLBI does not remove exits");
    guest_exit(EXIT_NO_GAIN);
  }
  return true;
}

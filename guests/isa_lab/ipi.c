/* SPDX-License-Identifier: MIT */
/* The IPI workload (docs/isa/vipi.md, ipiv.md, pintr.md): vCPU 0 sends
 * VEC_PING to each other vCPU in turn and waits for that vCPU's handler to
 * count it: one round trip per operation. Baseline: the ICR (xAPIC page),
 * an APIC-write exit; extension: VIPI. Both runs must deliver exactly one
 * ping per operation to the right vCPU. */
#include "lab.h"

static volatile u32 g_pings[MAX_VCPUS];

static void on_ping(void) {
  const u32 cpu = lapic_id();
  if (cpu < MAX_VCPUS) __atomic_fetch_add(&g_pings[cpu], 1, __ATOMIC_RELEASE);
  lapic_eoi();
}

/* Only wakes an AP out of HLT (the end of the idle phase). */
static void on_wake(void) { lapic_eoi(); }

void ipi_init(void) {
  idt_set(VEC_PING, on_ping);
  idt_set(VEC_WAKE, on_wake);
}

/* One run of `rounds` pings to every other vCPU; false if a ping went
 * missing or landed on the wrong vCPU. */
static bool pings(struct run* r, u32 rounds, bool vipi) {
  u32 before[MAX_VCPUS];
  for (u32 cpu = 0; cpu < g_vcpus; ++cpu) before[cpu] = g_pings[cpu];
  run_begin(r);
  for (u32 i = 0; i < rounds; ++i) {
    for (u32 cpu = 1; cpu < g_vcpus; ++cpu) {
      const u32 old = g_pings[cpu];
      if (vipi) {
        const u64 t0 = rdtsc();
        nucleo_vipi(cpu, VEC_PING);
        r->emul_ticks += rdtsc() - t0;
      } else {
        const u64 t0 = rdtsc();
        (void)send_ipi(cpu, VEC_PING);
        r->emul_ticks += rdtsc() - t0;
      }
      if (!wait_count(&g_pings[cpu], old)) {
        say("FAIL ping %u to vCPU %u (%s) was not taken", i, cpu, vipi ? "VIPI" : "ICR");
        return false;
      }
    }
  }
  run_end(r, rounds * (g_vcpus - 1));
  for (u32 cpu = 0; cpu < g_vcpus; ++cpu) {
    const u32 want = cpu == 0 ? 0 : rounds;
    if (g_pings[cpu] - before[cpu] != want) {
      say("FAIL vCPU %u took %u pings, not %u (%s)", cpu, g_pings[cpu] - before[cpu], want, vipi ? "VIPI" : "ICR");
      return false;
    }
  }
  return true;
}

bool workload_ipi(u32 rounds) {
  if (g_vcpus < 2) {
    say("ipi: skipped: one vCPU has no other to send to");
    return true;
  }
  struct run base, ext;
  const enum pair done =
      run_pair("ipi", NUCLEO_ISA_VIPI, has_ext(NUCLEO_ISA_VIPI), "VIPI not enabled in this VM", pings, rounds, &base, &ext);
  if (done != PAIR_BOTH) return done == PAIR_BASE_ONLY;
  /* On a processor with VIPI, neither its own exit nor the target's
   * notification exit happens (the emulation's #UD exits and the posted
   * interrupts the pintr counter saw). */
  const u64 hardware = ext.used.exits - ext.isa.executed[NUCLEO_ISA_VIPI] - ext.isa.elided[NUCLEO_ISA_PINTR];
  say("ipi: same pings either way; exits %U baseline, %U with VIPI emulated, %U on hardware with VIPI",
      base.used.exits, ext.used.exits, hardware);
  if (hardware >= base.used.exits) {
    say("FAIL VIPI does not remove exits");
    guest_exit(EXIT_NO_GAIN);
  }
  return true;
}

/* The same round trips with the targets idle in STI; HLT, the usual state
 * of an idle vCPU (docs/isa/vhlt.md): baseline only, since the proposals
 * that remove its exits (IPIV, PINTR, VHLT) need no guest change. */
bool workload_ipi_idle(u32 rounds) {
  if (g_vcpus < 2) return true;
  __atomic_store_n(&g_idle, 1, __ATOMIC_RELEASE);
  /* Let every AP reach its HLT before the first ping. */
  for (u32 i = 0; i < 20000; ++i) pause();
  struct run idle;
  const bool ok = pings(&idle, rounds, false);
  __atomic_store_n(&g_idle, 0, __ATOMIC_RELEASE);
  for (u32 cpu = 1; cpu < g_vcpus; ++cpu) (void)send_ipi(cpu, VEC_WAKE);
  run_report("ipi_idle", "base", NUCLEO_ISA_VHLT, &idle, ok);
  return ok;
}

/* SPDX-License-Identifier: MIT */
/* guest/meter.h: the benchmark meter of bench_fv and bench_pv
 * (docs/bench-fv-pv.md): NUCLEO_HC_EXIT_STATS, this VM's exit count and the
 * host TSC ticks its exit handlers took, summed over its vCPUs. It is read
 * only before and after a timed loop, never inside one, so the workloads
 * themselves stay what they measure. One read is itself an exit (VMCALL):
 * its own share, the difference of two back-to-back reads, is subtracted
 * from every window. */
#ifndef GUEST_METER_H
#define GUEST_METER_H

#include <guest/types.h>

struct meter {
  u64 exits, hv_ticks;
};
/* Measures one read; false when EXIT_STATS is not available. */
bool meter_init(void);
void meter_read(struct meter* m);
/* What happened since `before` was read, minus the meter's own read. */
struct meter meter_since(const struct meter* before);
/* Says "bench: NAME OPS TICKS EXITS HV_TICKS" with TICKS = ticks - empty
 * (0 when negative): tools/nucleolib/bench_fvpv.py parses exactly this. */
void report(const char* name, u32 ops, u64 ticks, u64 empty, struct meter used);

/* What a timed loop subtracts: n rounds of the loop without the operation
 * (the same counter and compare), or n back-to-back RDTSC pairs (what a
 * pair around an operation adds). */
u64 empty_loop(u32 n);
u64 rdtsc_pairs(u32 n);
/* Spins with PAUSE until *counter != old: false after METER_MAX_SPINS. */
enum { METER_MAX_SPINS = 10000000 };
bool wait_count(volatile u32* counter, u32 old);

#endif

/* SPDX-License-Identifier: MIT */
/* The meter: NUCLEO_HC_EXIT_STATS (docs/hypercalls.md), this VM's exit
 * count and the host TSC its handlers took. Read before and after a timed
 * loop, never inside one; one read is itself an exit, and its share (two
 * back-to-back reads apart) is subtracted from every window. The same
 * meter as guests/bench_fv/meter.c, so both columns count alike. */
#include "bpv.h"

static struct nucleo_hc_exit_stats g_stats __attribute__((aligned(8)));
static struct meter g_one_read;

static bool read_stats(struct meter* m) {
  const i64 rc = hc2(NUCLEO_HC_EXIT_STATS, (u64)&g_stats, sizeof g_stats);
  u64 hv = 0;
  for (u32 r = 0; r < NUCLEO_HC_STATS_REASONS; ++r) hv += g_stats.tsc[r];
  m->exits = g_stats.total_exits;
  m->hv_ticks = hv;
  return rc == (i64)sizeof g_stats;
}

void meter_read(struct meter* m) { (void)read_stats(m); }

bool meter_init(void) {
  struct meter a, b;
  if (!read_stats(&a) || !read_stats(&b)) return false;
  g_one_read.exits = b.exits - a.exits;
  g_one_read.hv_ticks = b.hv_ticks - a.hv_ticks;
  return true;
}

static u64 minus(u64 a, u64 b) { return a > b ? a - b : 0; }

struct meter meter_since(const struct meter* before) {
  struct meter now, used;
  (void)read_stats(&now);
  used.exits = minus(now.exits - before->exits, g_one_read.exits);
  used.hv_ticks = minus(now.hv_ticks - before->hv_ticks, g_one_read.hv_ticks);
  return used;
}

void report(const char* name, u32 ops, u64 ticks, u64 empty, struct meter used) {
  say("bench: %s %u %U %U %U", name, ops, minus(ticks, empty), used.exits, used.hv_ticks);
}

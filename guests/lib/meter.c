/* SPDX-License-Identifier: MIT */
/* The EXIT_STATS meter and the loop baselines (guest/meter.h), the same for
 * a 32-bit unmodified guest and a 64-bit paravirtualized one, so both
 * columns of the fv-pv table count alike. */
#include <guest/console.h>
#include <guest/io.h>
#include <guest/hypercall.h>
#include <guest/meter.h>

static struct nucleo_hc_exit_stats g_stats __attribute__((aligned(8)));
static struct meter g_one_read;

static bool read_stats(struct meter* m) {
  const iptr rc = hc2(NUCLEO_HC_EXIT_STATS, (uptr)&g_stats, sizeof g_stats);
  u64 hv = 0;
  for (u32 r = 0; r < NUCLEO_HC_STATS_REASONS; ++r) hv += g_stats.tsc[r];
  m->exits = g_stats.total_exits;
  m->hv_ticks = hv;
  return rc == (iptr)sizeof g_stats;
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

u64 empty_loop(u32 n) {
  const u64 t0 = rdtsc();
  for (u32 i = 0; i < n; ++i) barrier();
  return rdtsc() - t0;
}

u64 rdtsc_pairs(u32 n) {
  u64 sum = 0;
  for (u32 i = 0; i < n; ++i) {
    const u64 t0 = rdtsc();
    sum += rdtsc() - t0;
  }
  return sum;
}

bool wait_count(volatile u32* counter, u32 old) {
  for (u32 i = 0; i < METER_MAX_SPINS; ++i) {
    if (*counter != old) return true;
    pause();
  }
  return false;
}

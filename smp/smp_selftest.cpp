// SPDX-License-Identifier: MIT
#include "smp/smp_selftest.hpp"

#include "kernel/arch/cpu.hpp"
#include "kernel/arch/lapic.hpp"
#include "kernel/console/log.hpp"
#include "kernel/memory/boot_memory.hpp"
#include "kernel/memory/paging.hpp"
#include "kernel/time/clock.hpp"
#include "smp/cross_call.hpp"
#include "smp/smp.hpp"

namespace nucleo::smp {

namespace {

// A window outside the identity, direct and kernel maps (PML4 slot 384).
constexpr u64 kTestWindow = 0xFFFFC00000000000;

struct Seen {
  u64 value[kMaxCpus];
};
constinit Seen g_seen{};
constinit u32 g_ran = 0;

void record_presence(void*) {
  __atomic_fetch_add(&g_ran, 1, __ATOMIC_RELAXED);
  g_seen.value[this_cpu().index] = 1;
}

void read_window(void*) { g_seen.value[this_cpu().index] = *reinterpret_cast<volatile u64*>(kTestWindow); }

u32 count_seen(u64 expected) {
  const CpuSet online = online_cpus();
  u32 n = 0;
  for (u32 i = 0; i < kMaxCpus; ++i) n += online.contains(i) && g_seen.value[i] == expected ? 1 : 0;
  return n;
}

bool check_cross_call(u32 n) {
  g_ran = 0;
  const Error e = run_on_cpus(online_cpus(), record_presence, nullptr);
  const bool ok = e.ok() && g_ran == n && count_seen(1) == n;
  log::info("smp: cross-call ran on {}/{} CPUs{}", g_ran, n, ok ? "" : "  FAILED");
  return ok;
}

bool check_tlb_shootdown(u32 n) {
  FrameAllocator& frames = frame_allocator();
  const Result<u64> a = frames.alloc();
  const Result<u64> b = frames.alloc();
  if (!a || !b) return log::error("smp: TLB shootdown check: out of memory"), false;
  *phys_to_virt<u64>(a.value()) = 0xA;
  *phys_to_virt<u64>(b.value()) = 0xB;
  if (!paging::map_page(kTestWindow, a.value(), frames).ok()) return log::error("smp: cannot map the test window"), false;
  Error e = run_on_cpus(online_cpus(), read_window, nullptr);  // every TLB now caches va -> A
  const u32 before = count_seen(0xA);
  if (!paging::map_page(kTestWindow, b.value(), frames).ok()) return false;
  if (e.ok()) e = tlb_shootdown(kTestWindow);
  if (e.ok()) e = run_on_cpus(online_cpus(), read_window, nullptr);
  const u32 after = count_seen(0xB);
  const bool ok = e.ok() && before == n && after == n;
  log::info("smp: TLB shootdown: {}/{} CPUs saw the old page, {}/{} the new one after the shootdown{}", before, n,
            after, n, ok ? "" : "  FAILED");
  return ok;
}

// Waits until `count()` reaches `want`, giving up only after a second of
// TSC in which it did not change: a stuck CPU still fails the check, while
// on a busy host (QEMU TCG runs 64 vCPUs as threads on whatever cores it
// gets, and its TSC is the host's clock) slow progress is not a failure.
template <typename Count>
u32 wait_for_progress(u32 want, Count count) {
  u32 got = count();
  u64 deadline = cpu::rdtsc() + clock::tsc_hz();
  while (got < want) {
    cpu::pause();
    const u32 now = count();
    if (now != got) {
      got = now;
      deadline = cpu::rdtsc() + clock::tsc_hz();
    } else if (cpu::rdtsc() > deadline) {
      break;
    }
  }
  return got;
}

bool check_nmi() {
  CpuSet aps = online_cpus();
  aps.remove(this_cpu().index);
  for (u32 i = 0; i < kMaxCpus; ++i)
    if (aps.contains(i)) __atomic_store_n(&cpu(i)->nmi_expected, 1, __ATOMIC_RELEASE);
  send_nmi(aps);
  const u32 taken = wait_for_progress(aps.count(), [&] {
    u32 n = 0;
    for (u32 i = 0; i < kMaxCpus; ++i)
      if (aps.contains(i) && __atomic_load_n(&cpu(i)->nmi_count, __ATOMIC_ACQUIRE) != 0) ++n;
    return n;
  });
  for (u32 i = 0; i < kMaxCpus; ++i)
    if (aps.contains(i)) __atomic_store_n(&cpu(i)->nmi_expected, 0, __ATOMIC_RELEASE);
  const bool ok = taken == aps.count();
  log::info("smp: NMI IPIs taken by {}/{} APs{}", taken, aps.count(), ok ? "" : "  FAILED");
  return ok;
}

// The LAPIC timer in one-shot mode on every CPU: it must fire, and not
// before the calibrated interval has passed on the TSC.
constexpr u64 kTimerUs = 1000;

void arm_timer(void*) {
  const u64 ticks = clock::calibration().lapic_timer_hz * kTimerUs / 1000000;
  this_cpu().timer_armed_tsc = cpu::rdtsc();
  lapic::arm_oneshot(lapic::kVectorTimer, static_cast<u32>(min<u64>(ticks, 0xFFFFFFFF)));
}

bool check_timer() {
  const CpuSet online = online_cpus();
  Error e = run_on_cpus(online, arm_timer, nullptr);
  u32 fired = 0, early = 0;
  if (e.ok()) (void)wait_for_progress(online.count(), [&] {
      fired = early = 0;
      for (u32 i = 0; i < kMaxCpus; ++i) {
        if (!online.contains(i) || __atomic_load_n(&cpu(i)->timer_fired, __ATOMIC_ACQUIRE) == 0) continue;
        ++fired;
        const PerCpu& c = *cpu(i);
        if (c.timer_fired_tsc - c.timer_armed_tsc < clock::tsc_hz() * kTimerUs / 1000000 * 9 / 10) ++early;
      }
      return fired;
    });
  const bool ok = e.ok() && fired == online.count() && early == 0;
  log::info("smp: LAPIC timer one-shot ({} us) fired on {}/{} CPUs, {} early{}", kTimerUs, fired, online.count(),
            early, ok ? "" : "  FAILED");
  return ok;
}

}  // namespace

bool run_selftest() {
  const u32 n = cpu_count();
  bool ok = check_cross_call(n);
  ok = check_tlb_shootdown(n) && ok;
  ok = check_nmi() && ok;
  ok = check_timer() && ok;
  return ok;
}

}  // namespace nucleo::smp

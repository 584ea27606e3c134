/* SPDX-License-Identifier: MIT */
/* Discovery of the hypervisor (docs/hypercalls.md, "Discovery"), calls that
 * must fail with their documented error code and do nothing, and the exit
 * statistics. */
#include "pv.h"

enum { NEEDED_VERSION = 2 }; /* VCPU_START, channels */

/* VT-x basic exit reasons (SDM Vol. 3D Appendix C) worth a line. */
static const struct {
  u32 reason;
  const char* name;
} kReasons[] = {{1, "external interrupt"}, {10, "CPUID"}, {12, "HLT"}, {18, "VMCALL"},
                {28, "CR access"},         {31, "RDMSR"}, {32, "WRMSR"}, {48, "EPT violation"}};

/* Before this succeeds nothing can be printed: without nucleo a VMCALL is
 * #UD and there is no other console, so the guest halts. */
void discover_hypervisor(void) {
  u32 r[4];
  cpuid(1, 0, r);
  const bool present = (r[2] >> 31) & 1;
  cpuid(NUCLEO_CPUID_SIGNATURE_LEAF, 0, r);
  if (!present || r[1] != NUCLEO_CPUID_SIGNATURE_EBX || r[2] != NUCLEO_CPUID_SIGNATURE_ECX ||
      r[3] != NUCLEO_CPUID_SIGNATURE_EDX || r[0] < NUCLEO_CPUID_INFO_LEAF)
    for (;;) __asm__ volatile("cli; hlt");
  const u32 max_leaf = r[0];
  cpuid(NUCLEO_CPUID_INFO_LEAF, 0, r);
  const u32 a = r[0];
  const i64 version = hc0(NUCLEO_HC_VERSION);
  say("cpuid: hypervisor \"NucleoNucleo\", max leaf %x, ABI version %u (VERSION call: %U)", max_leaf, a,
      (u64)version);
  if (a < NEEDED_VERSION || version != (i64)a)
    fail(EXIT_ABI, "cpuid: this guest needs ABI version %u; CPUID says %u, VERSION %U", NEEDED_VERSION, a,
         (u64)version);
}

static u32 g_refused;

static void expect_error(const char* what, i64 got, i64 expected) {
  if (got != expected) fail(EXIT_ERRORS, "errors: %s returned %X, expected %X", what, (u64)got, (u64)expected);
  ++g_refused;
}

void check_errors(void) {
  static u64 misaligned[2] __attribute__((aligned(8)));
  static const char kNoSuchChannel[] = "no-such-channel";
  expect_error("function 99", hc0(99), NUCLEO_HC_E_UNKNOWN);
  expect_error("CONSOLE_WRITE of 4097 bytes", hc2(NUCLEO_HC_CONSOLE_WRITE, (u64)"x", NUCLEO_HC_CONSOLE_MAX + 1),
               NUCLEO_HC_E_RANGE);
  expect_error("CONSOLE_WRITE at 2^50", hc2(NUCLEO_HC_CONSOLE_WRITE, 1ull << 50, 4), NUCLEO_HC_E_RANGE);
  expect_error("TIMER_ONESHOT on vector 5", hc2(NUCLEO_HC_TIMER_ONESHOT, 1000, 5), NUCLEO_HC_E_RANGE);
  expect_error("SEND_EVENT to a vCPU past the count", hc2(NUCLEO_HC_SEND_EVENT, 1ull << g_vcpu_count, VECTOR_EVENT),
               NUCLEO_HC_E_RANGE);
  expect_error("SEND_EVENT to nobody", hc2(NUCLEO_HC_SEND_EVENT, 0, VECTOR_EVENT), NUCLEO_HC_E_INVALID);
  expect_error("YIELD with RBX set", hc1(NUCLEO_HC_YIELD, 1), NUCLEO_HC_E_INVALID);
  expect_error("TIME into a misaligned buffer", hc1(NUCLEO_HC_TIME, (u64)misaligned + 4), NUCLEO_HC_E_INVALID);
  expect_error("VCPU_START of vCPU 0", hc3(NUCLEO_HC_VCPU_START, 0, 0x100000, 0), NUCLEO_HC_E_RANGE);
  expect_error("VCPU_START past the count", hc3(NUCLEO_HC_VCPU_START, g_vcpu_count, 0x100000, 0), NUCLEO_HC_E_RANGE);
  expect_error("CHANNEL_LOOKUP of an unknown name",
               hc2(NUCLEO_HC_CHANNEL_LOOKUP, (u64)kNoSuchChannel, sizeof kNoSuchChannel - 1), NUCLEO_HC_E_NOT_FOUND);
  expect_error("CHANNEL_INFO of handle 999", hc1(NUCLEO_HC_CHANNEL_INFO, 999), NUCLEO_HC_E_RANGE);
  say("errors: ok %u bad calls refused with their documented codes", g_refused);
}

void check_exit_stats(void) {
  static struct nucleo_hc_exit_stats stats __attribute__((aligned(8)));
  const i64 n = hc2(NUCLEO_HC_EXIT_STATS, (u64)&stats, sizeof stats);
  if (n != (i64)sizeof stats || stats.size < sizeof stats || stats.reason_count != NUCLEO_HC_STATS_REASONS)
    fail(EXIT_STATS, "exit stats: returned %X, size %u, %u reasons", (u64)n, stats.size, stats.reason_count);
  if (stats.hypercalls == 0 || stats.count[18] == 0 || stats.total_exits < stats.hypercalls)
    fail(EXIT_STATS, "exit stats: %U exits, %U hypercalls, %U VMCALL exits: too few", stats.total_exits,
         stats.hypercalls, stats.count[18]);
  say("exit stats: %U exits, %U hypercalls, %U interrupts injected", stats.total_exits, stats.hypercalls,
      stats.interrupts_injected);
  for (u32 i = 0; i < sizeof kReasons / sizeof kReasons[0]; ++i) {
    const u32 r = kReasons[i].reason;
    if (stats.count[r]) say("exit stats:   %s: %U exits, %U TSC ticks", kReasons[i].name, stats.count[r], stats.tsc[r]);
  }
}

/* SPDX-License-Identifier: MIT */
/* Out-of-range pointers, sizes, vectors, vCPU sets and handles, reserved
 * registers and unknown numbers to every hypercall function, from CPL 0 and
 * (for the functions that would act) CPL 3. Each call must come back with
 * the error docs/hypercalls.md names and do nothing. From 32-bit code only
 * the low halves of the registers are read, so GPAs above 4 GiB and delays
 * of 2^40 cannot be named here; wrapping at 4 GiB can. EXIT (2) takes any
 * code, so it is tried from CPL 3 only (E_PRIVILEGE); REBOOT (10) is tried
 * from CPL 3 and with a reserved register. */
#include <nucleo/hypercall.h>

#include "hostile.h"

static void do_vmcall(void* p) {
  struct hc_regs* r = p;
  __asm__ volatile("vmcall" : "+a"(r->a), "+b"(r->b), "+c"(r->c), "+d"(r->d), "+S"(r->s)::"memory");
}

u32 hypercall(struct hc_regs* r) { return probe(do_vmcall, r); }

void enter_user(void* r); /* probe.S */
u32 hypercall_user(struct hc_regs* r) { return probe(enter_user, r); }

static const char* error_name(i32 v) {
  static const char* const names[] = {"E_UNKNOWN", "E_RANGE", "E_PRIVILEGE", "E_INVALID", "E_NOT_FOUND",
                                      "E_PEER_DOWN"};
  return v <= -1 && v >= -6 ? names[-v - 1] : v < 0 ? "unknown error" : "success";
}

static const char* const function_names[NUCLEO_HC_FUNCTION_COUNT] = {
    "VERSION",      "CONSOLE_WRITE", "EXIT",   "VCPU_INFO",   "TIMER_ONESHOT",   "TIME",
    "SEND_EVENT",   "BLOCK",         "YIELD",  "EXIT_STATS",  "REBOOT",          "CHANNEL_LOOKUP",
    "CHANNEL_INFO", "CHANNEL_DOORBELL", "CHANNEL_RING", "VCPU_START", "ISA_STATS", "MIGRATE_PAGE"};

/* One call; `expect` is the EAX it must return (an error, or the one
 * result a function without errors has). */
static void try_call(const char* why, bool user, u32 a, u32 b, u32 c, u32 d, u32 s, i32 expect) {
  struct hc_regs r = {a, b, c, d, s};
  const u32 fault = user ? hypercall_user(&r) : hypercall(&r);
  const char* name = a < NUCLEO_HC_FUNCTION_COUNT ? function_names[a] : "unknown";
  say("hypercall %u %s at CPL %u, ebx %x ecx %x edx %x esi %x: %s", a, name, user ? 3u : 0u, b, c, d, s, why);
  if (fault) {
    say("  -> faulted: %s at EIP %x: %s", fault_name(fault), probe_eip, verdict(false));
    return;
  }
  const bool ok = (i32)r.a == expect;
  say("  -> eax %d (%s), expected %d: %s", (i32)r.a, error_name((i32)r.a), expect, verdict(ok));
}

static u64 buffer[256]; /* 2 KiB, 8-byte aligned: more than struct nucleo_hc_exit_stats */

/* The VM has `cpus` vCPUs and `channels` channels of 4 KiB (handles
 * 0..channels-1): the first index and handle past them are the bad ones. */
void attack_hypercalls(u32 ram_end, u32 cpus, u32 channels) {
  const u32 H = channels, V = cpus;
  const u32 buf = (u32)buffer, R = ram_end, G = 0xdeadbeef, LAPIC = 0xFEE00000;
  const char* name = (const char*)"nope";
  enum { RANGE = NUCLEO_HC_E_RANGE, INVALID = NUCLEO_HC_E_INVALID, PRIV = NUCLEO_HC_E_PRIVILEGE };
  say("hypercalls: every function with bad arguments; RAM ends at %x", R);

  try_call("garbage in every register", false, NUCLEO_HC_VERSION, G, G, G, G, NUCLEO_HC_ABI_VERSION);

  try_call("buffer straddles the end of RAM", false, NUCLEO_HC_CONSOLE_WRITE, R - 8, 16, 0, 0, RANGE);
  try_call("buffer just past RAM", false, NUCLEO_HC_CONSOLE_WRITE, R, 1, 0, 0, RANGE);
  try_call("buffer wraps at 4 GiB", false, NUCLEO_HC_CONSOLE_WRITE, 0xFFFFFFF0, 32, 0, 0, RANGE);
  try_call("buffer in the local APIC page", false, NUCLEO_HC_CONSOLE_WRITE, LAPIC, 16, 0, 0, RANGE);
  try_call("length 4097", false, NUCLEO_HC_CONSOLE_WRITE, buf, NUCLEO_HC_CONSOLE_MAX + 1, 0, 0, RANGE);
  try_call("length 0xffffffff", false, NUCLEO_HC_CONSOLE_WRITE, buf, 0xFFFFFFFF, 0, 0, RANGE);
  try_call("length 0 at a bad address writes nothing", false, NUCLEO_HC_CONSOLE_WRITE, 0xFFFFFFFF, 0, 0, 0, 0);
  try_call("valid buffer, but CPL 3", true, NUCLEO_HC_CONSOLE_WRITE, (u32)name, 4, 0, 0, PRIV);

  try_call("exit from CPL 3 must not end the VM", true, NUCLEO_HC_EXIT, 99, 0, 0, 0, PRIV);

  try_call("garbage in every register", false, NUCLEO_HC_VCPU_INFO, G, G, G, G, 0);

  try_call("vector 0", false, NUCLEO_HC_TIMER_ONESHOT, 1000, 0, 0, 0, RANGE);
  try_call("vector 31 (an exception)", false, NUCLEO_HC_TIMER_ONESHOT, 1000, 31, 0, 0, RANGE);
  try_call("vector 256", false, NUCLEO_HC_TIMER_ONESHOT, 1000, 256, 0, 0, RANGE);
  try_call("vector 0xffffffff", false, NUCLEO_HC_TIMER_ONESHOT, 1000, 0xFFFFFFFF, 0, 0, RANGE);

  try_call("structure just past RAM", false, NUCLEO_HC_TIME, R, 0, 0, 0, RANGE);
  try_call("structure straddles the end of RAM", false, NUCLEO_HC_TIME, R - 16, 0, 0, 0, RANGE);
  try_call("structure wraps at 4 GiB", false, NUCLEO_HC_TIME, 0xFFFFFFF8, 0, 0, 0, RANGE);
  try_call("structure in the local APIC page", false, NUCLEO_HC_TIME, LAPIC, 0, 0, 0, RANGE);
  try_call("misaligned structure", false, NUCLEO_HC_TIME, buf + 4, 0, 0, 0, INVALID);
  try_call("reserved ecx", false, NUCLEO_HC_TIME, buf, 1, 0, 0, INVALID);

  try_call("empty vCPU set", false, NUCLEO_HC_SEND_EVENT, 0, 0x40, 0, 0, INVALID);
  try_call("the first vCPU the VM does not have", false, NUCLEO_HC_SEND_EVENT, 1u << V, 0x40, 0, 0, RANGE);
  try_call("vCPU 31", false, NUCLEO_HC_SEND_EVENT, 0x80000000, 0x40, 0, 0, RANGE);
  try_call("vector 15", false, NUCLEO_HC_SEND_EVENT, 1, 15, 0, 0, RANGE);
  try_call("reserved edx", false, NUCLEO_HC_SEND_EVENT, 1, 0x40, 1, 0, INVALID);

  try_call("reserved ebx (must not block)", false, NUCLEO_HC_BLOCK, 1, 0, 0, 0, INVALID);
  try_call("reserved esi (must not block)", false, NUCLEO_HC_BLOCK, 0, 0, 0, 0xFFFFFFFF, INVALID);
  try_call("reserved ecx", false, NUCLEO_HC_YIELD, 0, 1, 0, 0, INVALID);

  try_call("size 10", false, NUCLEO_HC_EXIT_STATS, buf, 10, 0, 0, RANGE);
  try_call("structure straddles the end of RAM", false, NUCLEO_HC_EXIT_STATS, R - 8, 1568, 0, 0, RANGE);
  try_call("structure at the top of 4 GiB", false, NUCLEO_HC_EXIT_STATS, 0xFFFFF000, 4096, 0, 0, RANGE);
  try_call("misaligned structure", false, NUCLEO_HC_EXIT_STATS, buf + 4, 1568, 0, 0, INVALID);
  try_call("reserved edx", false, NUCLEO_HC_EXIT_STATS, buf, 1568, 1, 0, INVALID);
  try_call("size 0xffffffff: only sizeof is written", false, NUCLEO_HC_EXIT_STATS, buf, 0xFFFFFFFF, 0, 0,
           (i32)sizeof(struct nucleo_hc_exit_stats));

  try_call("reserved ebx (must not reboot)", false, NUCLEO_HC_REBOOT, 1, 0, 0, 0, INVALID);
  try_call("reboot from CPL 3 must not reboot", true, NUCLEO_HC_REBOOT, 0, 0, 0, 0, PRIV);

  try_call("name length 0", false, NUCLEO_HC_CHANNEL_LOOKUP, (u32)name, 0, 0, 0, RANGE);
  try_call("name length 32", false, NUCLEO_HC_CHANNEL_LOOKUP, (u32)name, 32, 0, 0, RANGE);
  try_call("name straddles the end of RAM", false, NUCLEO_HC_CHANNEL_LOOKUP, R - 2, 4, 0, 0, RANGE);
  try_call("name wraps at 4 GiB", false, NUCLEO_HC_CHANNEL_LOOKUP, 0xFFFFFFFE, 4, 0, 0, RANGE);
  try_call("reserved edx", false, NUCLEO_HC_CHANNEL_LOOKUP, (u32)name, 4, 1, 0, INVALID);
  try_call("a channel that does not join this VM", false, NUCLEO_HC_CHANNEL_LOOKUP, (u32)name, 4, 0, 0,
           NUCLEO_HC_E_NOT_FOUND);

  try_call("the first handle the VM does not have", false, NUCLEO_HC_CHANNEL_INFO, H, 0, 0, 0, RANGE);
  try_call("handle 0xffffffff", false, NUCLEO_HC_CHANNEL_INFO, 0xFFFFFFFF, 0, 0, 0, RANGE);
  try_call("reserved ecx", false, NUCLEO_HC_CHANNEL_INFO, 0, 1, 0, 0, INVALID);
  try_call("the first handle the VM does not have", false, NUCLEO_HC_CHANNEL_DOORBELL, H, 0x40, 0, 0, RANGE);
  try_call("handle 0xffffffff", false, NUCLEO_HC_CHANNEL_DOORBELL, 0xFFFFFFFF, 0x40, 0, 0, RANGE);
  try_call("reserved esi", false, NUCLEO_HC_CHANNEL_DOORBELL, 0, 0x40, 0, 1, INVALID);
  try_call("the first handle the VM does not have", false, NUCLEO_HC_CHANNEL_RING, H, 0, 0, 0, RANGE);
  try_call("handle 0x7fffffff", false, NUCLEO_HC_CHANNEL_RING, 0x7FFFFFFF, 0, 0, 0, RANGE);

  try_call("vCPU 0 (ourselves)", false, NUCLEO_HC_VCPU_START, 0, buf, 0, 0, RANGE);
  try_call("the first vCPU the VM does not have", false, NUCLEO_HC_VCPU_START, V, buf, 0, 0, RANGE);
  try_call("vCPU 0xffffffff", false, NUCLEO_HC_VCPU_START, 0xFFFFFFFF, buf, 0, 0, RANGE);
  try_call("reserved esi", false, NUCLEO_HC_VCPU_START, 1, buf, 0, 1, INVALID);

  const u32 unknown[] = {NUCLEO_HC_FUNCTION_COUNT, NUCLEO_HC_FUNCTION_COUNT + 1, 0x100, 0x7FFFFFFF, 0x80000000,
                         0xFFFFFFFF};
  for (u32 i = 0; i < sizeof unknown / sizeof unknown[0]; ++i)
    try_call("no such function", false, unknown[i], G, G, G, G, NUCLEO_HC_E_UNKNOWN);
}

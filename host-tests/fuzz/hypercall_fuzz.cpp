// SPDX-License-Identifier: MIT
// libFuzzer target over the whole hypercall surface: a sequence of calls with
// arbitrary registers, CPU mode, CPL and vCPU count, against fake guest RAM
// filled from the input and a channel table shared by three VMs whose life
// cycle the input also drives, and vCPUs the input starts and resets.
// Invariants: guest RAM is one exact-size heap
// block (ASan flags any byte past it) and every span handed out lies inside
// it; an error has no effect; only result registers change; whatever reaches
// the environment was checked (vectors, vCPU masks, delays, VMs).
#include <string.h>

#include <memory>

#include "host-tests/fuzz/fuzz_check.hpp"
#include "host-tests/kernel/virt/hypercall/fake_hypercall_env.hpp"
#include "kernel/virt/hypercall/hypercall_dispatch.hpp"

namespace {

using namespace nucleo;

constexpr usize kRamSize = 16 * 1024;
constexpr usize kRecordSize = 44;

// a (0), b (1), c (2); channels ab, ca, bc. Built once: the names are views
// into kConfigText, which lives for the whole run.
constexpr char kConfigText[] =
    "[[vm]]\nname = \"a\"\ncores = [0, 1]\nmemory = \"1M\"\nkernel = \"k\"\n"
    "[[vm]]\nname = \"b\"\ncores = [2]\nmemory = \"1M\"\nkernel = \"k\"\n"
    "[[vm]]\nname = \"c\"\ncores = [3]\nmemory = \"1M\"\nkernel = \"k\"\n"
    "[[channel]]\nname = \"ab\"\nvms = [\"a\", \"b\"]\nsize = \"8K\"\n"
    "[[channel]]\nname = \"ca\"\nvms = [\"c\", \"a\"]\n"
    "[[channel]]\nname = \"bc\"\nvms = [\"b\", \"c\"]\n";

u64 load64(const u8* p) {
  u64 v;
  memcpy(&v, p, sizeof v);
  return v;
}

bool is_error(u64 rax) { return static_cast<i64>(rax) < 0; }

void check_call(usize console_before, usize timers_before, usize events_before, usize signals_before, u32 stats_before,
                usize starts_before, const HypercallRegs& in, const HypercallRegs& out, const HypercallCaller& caller,
                const HypercallResult& result, const FakeHypercallEnv& env) {
  const u64 mask = caller.long_mode ? ~u64{0} : 0xFFFFFFFF;
  const u64 function = in.rax & mask;
  NUCLEO_FUZZ_CHECK(env.spans_inside);
  NUCLEO_FUZZ_CHECK(out.rsi == in.rsi);
  if (caller.cpl != 0) NUCLEO_FUZZ_CHECK(out.rax == static_cast<u64>(NUCLEO_HC_E_PRIVILEGE));
  if (function >= NUCLEO_HC_FUNCTION_COUNT || caller.cpl != 0) {
    NUCLEO_FUZZ_CHECK(result.action == HypercallResult::Action::complete);
    if (caller.cpl == 0) NUCLEO_FUZZ_CHECK(out.rax == static_cast<u64>(NUCLEO_HC_E_UNKNOWN));
  }
  // Only VCPU_INFO and a successful CHANNEL_INFO return more than RAX.
  const bool more = function == NUCLEO_HC_VCPU_INFO || (function == NUCLEO_HC_CHANNEL_INFO && out.rax == 0);
  if (!more || caller.cpl != 0) NUCLEO_FUZZ_CHECK(out.rbx == in.rbx && out.rcx == in.rcx && out.rdx == in.rdx);
  if (function != NUCLEO_HC_CHANNEL_INFO || caller.cpl != 0) NUCLEO_FUZZ_CHECK(out.rcx == in.rcx && out.rdx == in.rdx);

  const bool failed = is_error(out.rax) && result.action == HypercallResult::Action::complete;
  if (failed) {
    NUCLEO_FUZZ_CHECK(static_cast<i64>(out.rax) >= -6);
    NUCLEO_FUZZ_CHECK(env.console.size() == console_before && env.timers.size() == timers_before &&
                      env.events.size() == events_before && env.stats_calls == stats_before);
    // A vCPU start the env refused (started already) is the other one.
    if (env.starts.size() != starts_before)
      NUCLEO_FUZZ_CHECK(function == NUCLEO_HC_VCPU_START && env.starts.size() == starts_before + 1 &&
                        env.starts.back().refused && out.rax == static_cast<u64>(NUCLEO_HC_E_INVALID));
    // A ring whose delivery found the peer gone is the one error after an attempt.
    if (env.signals.size() != signals_before)
      NUCLEO_FUZZ_CHECK(function == NUCLEO_HC_CHANNEL_RING && out.rax == static_cast<u64>(NUCLEO_HC_E_PEER_DOWN) &&
                        !env.signal_ok);
  }
  if (result.action != HypercallResult::Action::complete) {
    NUCLEO_FUZZ_CHECK(caller.cpl == 0);
    switch (result.action) {
      case HypercallResult::Action::shutdown:
        NUCLEO_FUZZ_CHECK(function == NUCLEO_HC_EXIT && result.exit_code == (in.rbx & mask));
        break;
      case HypercallResult::Action::block:
        NUCLEO_FUZZ_CHECK(function == NUCLEO_HC_BLOCK && out.rax == 0);
        break;
      case HypercallResult::Action::yield:
        NUCLEO_FUZZ_CHECK(function == NUCLEO_HC_YIELD && out.rax == 0);
        break;
      case HypercallResult::Action::reboot:
        NUCLEO_FUZZ_CHECK(function == NUCLEO_HC_REBOOT && out.rax == 0);
        break;
      case HypercallResult::Action::complete:
        break;
    }
  }
  if (function == NUCLEO_HC_CONSOLE_WRITE && !failed && caller.cpl == 0)
    NUCLEO_FUZZ_CHECK(env.console.size() - console_before == out.rax && out.rax <= NUCLEO_HC_CONSOLE_MAX);
  // Whatever reached the environment was checked.
  for (usize i = timers_before; i < env.timers.size(); ++i)
    NUCLEO_FUZZ_CHECK(env.timers[i].first < NUCLEO_HC_TIMER_MAX_DELAY && env.timers[i].second >= 32);
  const u64 valid = env.count >= 64 ? ~u64{0} : (u64{1} << env.count) - 1;
  for (usize i = events_before; i < env.events.size(); ++i)
    NUCLEO_FUZZ_CHECK(env.events[i].first != 0 && (env.events[i].first & ~valid) == 0 && env.events[i].second >= 32);
  for (usize i = starts_before; i < env.starts.size(); ++i) {
    const FakeHypercallEnv::Start& st = env.starts[i];
    NUCLEO_FUZZ_CHECK(function == NUCLEO_HC_VCPU_START && st.vcpu != 0 && st.vcpu < env.count && st.vcpu != env.index &&
                      st.entry < env.ram.size() && st.arg == (in.rdx & 0xFFFFFFFF));
    NUCLEO_FUZZ_CHECK(out.rax == (st.refused ? static_cast<u64>(NUCLEO_HC_E_INVALID) : 0));
  }
  for (usize i = signals_before; i < env.signals.size(); ++i)
    NUCLEO_FUZZ_CHECK(env.signals[i].vm < 3 && env.signals[i].vm != env.vm && env.signals[i].vector >= 32 &&
                      env.signals[i].vcpu < 64);
}

}  // namespace

// Input: [records: 44 bytes each, as many as fit before the last 1/4] then
// guest RAM contents (repeated to fill it). A record: RAX RBX RCX RDX RSI
// (5 x 8 bytes), flags (bit 0: 64-bit mode, bits 1-2: CPL, bit 3: reduce
// RBX/RCX/RDX modulo a little more than RAM so edges are hit, bit 4: the
// signal fails, bit 5/6: stop/start the peer VMs first, bit 7: only vCPU 0
// runs again), vCPU count - 1 (mod 64), the calling VM (mod 3), the calling
// vCPU (mod the count).
extern "C" int LLVMFuzzerTestOneInput(const u8* data, usize size) {
  static Config* config = [] {
    static Config c;
    static char scratch[256];
    parse_config(Str(kConfigText, sizeof kConfigText - 1), Span<char>(scratch, sizeof scratch), 4, c);
    return &c;
  }();
  auto table = std::make_unique<ChannelTable>();
  table->build(*config);
  NUCLEO_FUZZ_CHECK(table->count() == 3);
  for (u32 vm = 0; vm < 3; ++vm) {
    NUCLEO_FUZZ_CHECK(table->place_channels(vm, kRamSize, u64{1} << 32) != 0);
    table->vm_started(vm);
  }

  FakeHypercallEnv env(kRamSize);
  env.table = table.get();
  const usize records = (size - size / 4) / kRecordSize;
  const u8* ram_bytes = data + records * kRecordSize;
  const usize ram_len = size - records * kRecordSize;
  for (usize i = 0; ram_len != 0 && i < kRamSize; ++i) env.ram[i] = ram_bytes[i % ram_len];

  for (usize n = 0; n < records; ++n) {
    const u8* rec = data + n * kRecordSize;
    HypercallRegs regs{load64(rec), load64(rec + 8), load64(rec + 16), load64(rec + 24), load64(rec + 32)};
    const u8 flags = rec[40];
    if (flags & 8) {
      regs.rbx %= kRamSize + 64;
      regs.rcx %= kRamSize + 64;
      regs.rdx %= 300;
    }
    const HypercallCaller caller{(flags & 1) != 0, static_cast<u32>((flags >> 1) & 3)};
    env.signal_ok = (flags & 16) == 0;
    env.count = static_cast<u32>(rec[41] % 64) + 1;
    env.vm = rec[42] % 3;
    env.index = rec[43] % env.count;
    if (flags & 128) env.started = 1;
    env.tsc += 1000;
    if (flags & 32) table->vm_stopped((env.vm + 1) % 3);
    if (flags & 64) table->vm_started((env.vm + 2) % 3);

    const HypercallRegs in = regs;
    const usize console_before = env.console.size(), timers_before = env.timers.size(),
                events_before = env.events.size(), signals_before = env.signals.size();
    const u32 stats_before = env.stats_calls;
    const usize starts_before = env.starts.size();
    const HypercallResult result = dispatch_hypercall(regs, caller, env);
    check_call(console_before, timers_before, events_before, signals_before, stats_before, starts_before, in, regs,
               caller, result, env);
    if (env.starts.size() > 4096) env.starts.clear();
    if (env.console.size() > 1 << 20) env.console.clear();
  }
  for (u32 i = 0; i < table->count(); ++i)
    for (const ChannelEndpoint& end : table->channel(i).ends) NUCLEO_FUZZ_CHECK(end.vm < 3);
  return 0;
}

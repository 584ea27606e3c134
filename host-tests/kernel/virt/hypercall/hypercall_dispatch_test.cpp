// SPDX-License-Identifier: MIT
// The hypercall dispatcher (docs/hypercalls.md) against a fake environment:
// every function's result registers and action, and every error path with
// the exact error code and nothing done.
#include "kernel/virt/hypercall/hypercall_dispatch.hpp"

#include <gtest/gtest.h>

#include <cstring>
#include <memory>
#include <string>

#include "host-tests/kernel/virt/hypercall/hypercall_rig.hpp"

namespace nucleo {
namespace {

using hypercall_test::Action;
using hypercall_test::err;
using hypercall_test::Rig;

// Every function number, for the checks that apply to all of them.
constexpr u64 kFunctions[] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17};
static_assert(sizeof kFunctions / sizeof kFunctions[0] == NUCLEO_HC_FUNCTION_COUNT);

TEST(HypercallDispatch, GivenCplAboveZeroWhenAnyFunctionIsCalledThenPrivilegeErrorAndNothingHappens) {
  for (const u32 cpl : {1u, 2u, 3u}) {
    for (const u64 function : kFunctions) {
      Rig r;
      r.caller.cpl = cpl;
      EXPECT_EQ(r.call(function, 0x100, 4, 0, 0), err(NUCLEO_HC_E_PRIVILEGE)) << cpl << " " << function;
      EXPECT_EQ(r.result.action, Action::complete);
      EXPECT_TRUE(r.nothing_done());
      EXPECT_EQ(r.env.memory_requests, 0u);
    }
  }
}

TEST(HypercallDispatch, GivenUnknownFunctionWhenCalledThenUnknownError) {
  for (const u64 function : {u64{NUCLEO_HC_FUNCTION_COUNT}, u64{0xFFFF}, u64{1} << 32, ~u64{0}}) {
    Rig r;
    EXPECT_EQ(r.call(function), err(NUCLEO_HC_E_UNKNOWN)) << function;
    EXPECT_EQ(r.result.action, Action::complete);
    EXPECT_TRUE(r.nothing_done());
  }
}

TEST(HypercallDispatch, GivenVersionWhenCalledThenAbiVersionThreeAndOtherRegistersKept) {
  Rig r;
  EXPECT_EQ(r.call(NUCLEO_HC_VERSION, 0x1111, 0x2222, 0x3333, 0x4444), 3u);
  EXPECT_EQ(r.regs.rbx, 0x1111u);
  EXPECT_EQ(r.regs.rcx, 0x2222u);
  EXPECT_EQ(r.regs.rdx, 0x3333u);
  EXPECT_EQ(r.regs.rsi, 0x4444u);
}

TEST(HypercallDispatch, GivenOutsideLongModeWhenHighBitsAreSetThenOnlyTheLowHalvesCountAndHighHalvesAreKept) {
  Rig r;
  r.caller.long_mode = false;
  EXPECT_EQ(r.call(u64{0xABCD} << 32 | NUCLEO_HC_VERSION), 3u);
  r.put(0x100, "hi");
  EXPECT_EQ(r.call(u64{7} << 32 | NUCLEO_HC_CONSOLE_WRITE, u64{1} << 40 | 0x100, u64{1} << 33 | 2), 2u);
  EXPECT_EQ(r.env.console, "hi");
  EXPECT_EQ(r.regs.rbx, u64{1} << 40 | 0x100);  // not a result register: as the guest left it
  EXPECT_EQ(r.regs.rcx, u64{1} << 33 | 2);
  // The reserved registers of a v2 function are checked on their low halves only.
  EXPECT_EQ(r.call(NUCLEO_HC_YIELD, u64{1} << 32, u64{1} << 63, u64{5} << 32, u64{1} << 32), 0u);
  EXPECT_EQ(r.result.action, Action::yield);
  r.call(NUCLEO_HC_EXIT, u64{0xFF} << 32 | 3);
  EXPECT_EQ(r.result.action, Action::shutdown);
  EXPECT_EQ(r.result.exit_code, 3u);
}

TEST(HypercallDispatch, GivenConsoleWriteInsideRamWhenCalledThenTextReachesTheConsoleAndLengthIsReturned) {
  Rig r;
  r.put(0x2000, "hello, hypervisor\n");
  EXPECT_EQ(r.call(NUCLEO_HC_CONSOLE_WRITE, 0x2000, 18, 0xdead, 0xbeef), 18u);  // RDX/RSI ignored (v1)
  EXPECT_EQ(r.env.console, "hello, hypervisor\n");
  EXPECT_EQ(r.regs.rbx, 0x2000u);
  EXPECT_EQ(r.regs.rcx, 18u);
}

TEST(HypercallDispatch, GivenConsoleWriteOfMaximumLengthAtTheEndOfRamThenAccepted) {
  Rig r;
  const u64 gpa = r.env.ram.size() - NUCLEO_HC_CONSOLE_MAX;
  EXPECT_EQ(r.call(NUCLEO_HC_CONSOLE_WRITE, gpa, NUCLEO_HC_CONSOLE_MAX), u64{NUCLEO_HC_CONSOLE_MAX});
  EXPECT_EQ(r.env.console.size(), u64{NUCLEO_HC_CONSOLE_MAX});
}

TEST(HypercallDispatch, GivenConsoleWriteOfZeroBytesWhenCalledThenZeroWhateverTheAddress) {
  Rig r;
  EXPECT_EQ(r.call(NUCLEO_HC_CONSOLE_WRITE, ~u64{0}, 0), 0u);
  EXPECT_TRUE(r.nothing_done());
}

TEST(HypercallDispatch, GivenConsoleWriteOutsideRamOrTooLongWhenCalledThenRangeErrorAndNothingWritten) {
  Rig r;
  const u64 size = r.env.ram.size();
  const std::pair<u64, u64> cases[] = {{size, 1},          {size - 1, 2},      {~u64{0}, 1},
                                       {~u64{0} - 3, 8},   {0, NUCLEO_HC_CONSOLE_MAX + 1},
                                       {0, ~u64{0}},       {1ull << 40, 16}};
  for (const auto& [gpa, length] : cases) {
    EXPECT_EQ(r.call(NUCLEO_HC_CONSOLE_WRITE, gpa, length), err(NUCLEO_HC_E_RANGE)) << gpa << " " << length;
    EXPECT_TRUE(r.nothing_done());
  }
}

TEST(HypercallDispatch, GivenExitWhenCalledThenShutdownWithTheCode) {
  Rig r;
  r.call(NUCLEO_HC_EXIT, 0x1234'5678'9abc, 1, 2, 3);
  EXPECT_EQ(r.result.action, Action::shutdown);
  EXPECT_EQ(r.result.exit_code, 0x1234'5678'9abcu);
}

TEST(HypercallDispatch, GivenVcpuInfoWhenCalledThenIndexAndCount) {
  Rig r;
  r.env.index = 5;
  r.env.count = 6;
  EXPECT_EQ(r.call(NUCLEO_HC_VCPU_INFO, 0, 77, 88), 5u);
  EXPECT_EQ(r.regs.rbx, 6u);
  EXPECT_EQ(r.regs.rcx, 77u);
  EXPECT_EQ(r.regs.rdx, 88u);
}

TEST(HypercallDispatch, GivenTimerWithinLimitsWhenCalledThenTheEnvArmsIt) {
  Rig r;
  EXPECT_EQ(r.call(NUCLEO_HC_TIMER_ONESHOT, NUCLEO_HC_TIMER_MAX_DELAY - 1, 32), 0u);
  EXPECT_EQ(r.call(NUCLEO_HC_TIMER_ONESHOT, 0, 255), 0u);
  ASSERT_EQ(r.env.timers.size(), 2u);
  EXPECT_EQ(r.env.timers[0], (std::pair<u64, u8>{NUCLEO_HC_TIMER_MAX_DELAY - 1, 32}));
  EXPECT_EQ(r.env.timers[1], (std::pair<u64, u8>{0, 255}));
}

TEST(HypercallDispatch, GivenTimerDelayOrVectorOutOfRangeWhenCalledThenRangeErrorAndNotArmed) {
  const std::pair<u64, u64> cases[] = {{NUCLEO_HC_TIMER_MAX_DELAY, 32}, {~u64{0}, 32}, {1, 31},
                                       {1, 0},                          {1, 256},      {1, 0x130}};
  for (const auto& [delay, vector] : cases) {
    Rig r;
    EXPECT_EQ(r.call(NUCLEO_HC_TIMER_ONESHOT, delay, vector), err(NUCLEO_HC_E_RANGE)) << delay << " " << vector;
    EXPECT_TRUE(r.nothing_done());
  }
}

TEST(HypercallDispatch, GivenTimeWithAnAlignedBufferWhenCalledThenTheSampleIsWritten) {
  Rig r;
  r.env.hz = 3'000'000'000;
  r.env.tsc = 0x1122334455;
  r.env.wall_ns = 1'700'000'000'000'000'000;
  std::memset(r.env.ram.data() + 0x308, 0xEE, 48);
  EXPECT_EQ(r.call(NUCLEO_HC_TIME, 0x310), 0u);
  nucleo_hc_time t;
  std::memcpy(&t, r.env.ram.data() + 0x310, sizeof t);
  EXPECT_EQ(t.tsc_hz, 3'000'000'000u);
  EXPECT_EQ(t.tsc, 0x1122334455u);
  EXPECT_EQ(t.wall_clock_ns, 1'700'000'000'000'000'000u);
  EXPECT_EQ(t.reserved, 0u);
  EXPECT_EQ(r.env.ram[0x30f], 0xEE);  // nothing around the structure
  EXPECT_EQ(r.env.ram[0x330], 0xEE);
}

TEST(HypercallDispatch, GivenTimeWithABadBufferOrReservedArgumentWhenCalledThenErrorAndNothingWritten) {
  Rig r;
  const u64 end = r.env.ram.size();
  EXPECT_EQ(r.call(NUCLEO_HC_TIME, 0x104), err(NUCLEO_HC_E_INVALID));
  EXPECT_EQ(r.call(NUCLEO_HC_TIME, end - 24), err(NUCLEO_HC_E_RANGE));
  EXPECT_EQ(r.call(NUCLEO_HC_TIME, ~u64{0} - 7), err(NUCLEO_HC_E_RANGE));
  EXPECT_EQ(r.call(NUCLEO_HC_TIME, 0x100, 1), err(NUCLEO_HC_E_INVALID));
  EXPECT_EQ(r.call(NUCLEO_HC_TIME, 0x100, 0, 1), err(NUCLEO_HC_E_INVALID));
  EXPECT_EQ(r.call(NUCLEO_HC_TIME, 0x100, 0, 0, 1), err(NUCLEO_HC_E_INVALID));
  for (u8 b : r.env.ram) ASSERT_EQ(b, 0);
}

TEST(HypercallDispatch, GivenSendEventToOwnVcpusWhenCalledThenTheEnvSendsIt) {
  Rig r;
  r.env.count = 4;
  EXPECT_EQ(r.call(NUCLEO_HC_SEND_EVENT, 0b1010, 0x40), 0u);
  r.env.count = 64;
  EXPECT_EQ(r.call(NUCLEO_HC_SEND_EVENT, ~u64{0}, 255), 0u);
  ASSERT_EQ(r.env.events.size(), 2u);
  EXPECT_EQ(r.env.events[0], (std::pair<u64, u8>{0b1010, 0x40}));
  EXPECT_EQ(r.env.events[1], (std::pair<u64, u8>{~u64{0}, 255}));
}

TEST(HypercallDispatch, GivenSendEventOutsideTheVmOrWithBadArgumentsWhenCalledThenErrorAndNothingSent) {
  struct Case {
    u32 count;
    u64 mask, vector, rdx, rsi, error;
  };
  const Case cases[] = {
      {4, 0b10000, 0x40, 0, 0, err(NUCLEO_HC_E_RANGE)},      // vCPU 4 of 4
      {1, u64{1} << 63, 0x40, 0, 0, err(NUCLEO_HC_E_RANGE)},
      {63, u64{1} << 63, 0x40, 0, 0, err(NUCLEO_HC_E_RANGE)},
      {4, 1, 31, 0, 0, err(NUCLEO_HC_E_RANGE)},
      {4, 1, 256, 0, 0, err(NUCLEO_HC_E_RANGE)},
      {4, 0, 0x40, 0, 0, err(NUCLEO_HC_E_INVALID)},          // nobody
      {4, 1, 0x40, 1, 0, err(NUCLEO_HC_E_INVALID)},
      {4, 1, 0x40, 0, 1, err(NUCLEO_HC_E_INVALID)},
  };
  for (const Case& c : cases) {
    Rig r;
    r.env.count = c.count;
    EXPECT_EQ(r.call(NUCLEO_HC_SEND_EVENT, c.mask, c.vector, c.rdx, c.rsi), c.error) << c.count << " " << c.mask;
    EXPECT_TRUE(r.nothing_done());
  }
}

TEST(HypercallDispatch, GivenBlockYieldOrRebootWhenCalledThenTheirActionWithRaxZero) {
  const std::pair<u64, Action> cases[] = {
      {NUCLEO_HC_BLOCK, Action::block}, {NUCLEO_HC_YIELD, Action::yield}, {NUCLEO_HC_REBOOT, Action::reboot}};
  for (const auto& [function, action] : cases) {
    Rig r;
    EXPECT_EQ(r.call(function), 0u);
    EXPECT_EQ(r.result.action, action) << function;
    for (u32 reg = 1; reg <= 4; ++reg) {  // any reserved register set: refused, the vCPU goes on
      const u64 args[4] = {reg == 1, reg == 2, reg == 3, reg == 4};
      EXPECT_EQ(r.call(function, args[0], args[1], args[2], args[3]), err(NUCLEO_HC_E_INVALID)) << function;
      EXPECT_EQ(r.result.action, Action::complete);
    }
  }
}

TEST(HypercallDispatch, GivenExitStatsWithRoomWhenCalledThenTheStructureIsWrittenAndItsSizeReturned) {
  Rig r;
  EXPECT_EQ(r.call(NUCLEO_HC_EXIT_STATS, 0x1000, 4096), sizeof(nucleo_hc_exit_stats));
  nucleo_hc_exit_stats s;
  std::memcpy(&s, r.env.ram.data() + 0x1000, sizeof s);
  EXPECT_EQ(s.size, sizeof s);
  EXPECT_EQ(s.reason_count, u32{NUCLEO_HC_STATS_REASONS});
  EXPECT_EQ(s.total_exits, 1234u);
  EXPECT_EQ(s.hypercalls, 56u);
  EXPECT_EQ(s.interrupts_injected, 7u);
  EXPECT_EQ(s.count[18], 56u);
  EXPECT_EQ(s.tsc[18], 5600u);
  EXPECT_EQ(s.count[0], 0u);
  EXPECT_EQ(r.env.ram[0x1000 + sizeof s], 0);  // only sizeof written, whatever RCX says
}

TEST(HypercallDispatch, GivenExitStatsWithABadBufferWhenCalledThenErrorAndTheEnvIsNotAsked) {
  Rig r;
  const u64 size = sizeof(nucleo_hc_exit_stats);
  const u64 end = r.env.ram.size();
  EXPECT_EQ(r.call(NUCLEO_HC_EXIT_STATS, 0x1000, size - 1), err(NUCLEO_HC_E_RANGE));
  EXPECT_EQ(r.call(NUCLEO_HC_EXIT_STATS, 0x1001, size), err(NUCLEO_HC_E_INVALID));
  EXPECT_EQ(r.call(NUCLEO_HC_EXIT_STATS, end - size + 8, size), err(NUCLEO_HC_E_RANGE));
  EXPECT_EQ(r.call(NUCLEO_HC_EXIT_STATS, ~u64{0} & ~u64{7}, ~u64{0}), err(NUCLEO_HC_E_RANGE));
  EXPECT_EQ(r.call(NUCLEO_HC_EXIT_STATS, 0x1000, size, 1), err(NUCLEO_HC_E_INVALID));
  EXPECT_EQ(r.call(NUCLEO_HC_EXIT_STATS, 0x1000, size, 0, 1), err(NUCLEO_HC_E_INVALID));
  EXPECT_EQ(r.env.stats_calls, 0u);
  EXPECT_EQ(r.call(NUCLEO_HC_EXIT_STATS, end - size, size), size);  // the last place that fits
}

// Two VMs ("a" = 0, "b" = 1) joined by "link" (8 KiB) and "a" alone with "c"
// by "side"; the fake env is VM a's vCPU unless a test says otherwise.
struct ChannelRig : Rig {
  ChannelRig() : config(std::make_unique<Config>()) {
    text =
        "[[vm]]\nname = \"a\"\ncores = [0, 1]\nmemory = \"1M\"\nkernel = \"k\"\n"
        "[[vm]]\nname = \"b\"\ncores = [2]\nmemory = \"1M\"\nkernel = \"k\"\n"
        "[[vm]]\nname = \"c\"\ncores = [3]\nmemory = \"1M\"\nkernel = \"k\"\n"
        "[[channel]]\nname = \"link\"\nvms = [\"a\", \"b\"]\nsize = \"8K\"\n"
        "[[channel]]\nname = \"side\"\nvms = [\"c\", \"a\"]\n";
    parse_config(Str(text.data(), text.size()), Span<char>(scratch, sizeof scratch), 4, *config);
    table.build(*config);
    EXPECT_EQ(table.count(), 2u);
    table.place_channels(0, 0x100000, 1ull << 32);
    table.place_channels(1, 0x200000, 1ull << 32);
    table.vm_started(0);
    table.vm_started(1);
    env.table = &table;
    env.vm = 0;
    env.count = 2;
    put(0x40, "link");
    put(0x50, "side");
  }
  std::string text;  // the channel names are views into it
  char scratch[256];
  std::unique_ptr<Config> config;
  ChannelTable table;
};

TEST(HypercallDispatch, GivenChannelNamesWhenLookedUpThenEachVmGetsItsOwnHandles) {
  ChannelRig r;
  EXPECT_EQ(r.call(NUCLEO_HC_CHANNEL_LOOKUP, 0x40, 4), 0u);
  EXPECT_EQ(r.call(NUCLEO_HC_CHANNEL_LOOKUP, 0x50, 4), 1u);
  r.env.vm = 1;
  EXPECT_EQ(r.call(NUCLEO_HC_CHANNEL_LOOKUP, 0x40, 4), 0u);
  EXPECT_EQ(r.call(NUCLEO_HC_CHANNEL_LOOKUP, 0x50, 4), err(NUCLEO_HC_E_NOT_FOUND));  // not b's channel
}

TEST(HypercallDispatch, GivenBadLookupArgumentsWhenCalledThenTheirErrors) {
  ChannelRig r;
  const u64 end = r.env.ram.size();
  EXPECT_EQ(r.call(NUCLEO_HC_CHANNEL_LOOKUP, 0x40, 3), err(NUCLEO_HC_E_NOT_FOUND));  // "lin"
  EXPECT_EQ(r.call(NUCLEO_HC_CHANNEL_LOOKUP, 0x40, 0), err(NUCLEO_HC_E_RANGE));
  EXPECT_EQ(r.call(NUCLEO_HC_CHANNEL_LOOKUP, 0x40, NUCLEO_HC_CHANNEL_NAME_MAX + 1), err(NUCLEO_HC_E_RANGE));
  EXPECT_EQ(r.call(NUCLEO_HC_CHANNEL_LOOKUP, end - 3, 4), err(NUCLEO_HC_E_RANGE));
  EXPECT_EQ(r.call(NUCLEO_HC_CHANNEL_LOOKUP, ~u64{0}, 4), err(NUCLEO_HC_E_RANGE));
  EXPECT_EQ(r.call(NUCLEO_HC_CHANNEL_LOOKUP, 0x40, 4, 1), err(NUCLEO_HC_E_INVALID));
  EXPECT_EQ(r.call(NUCLEO_HC_CHANNEL_LOOKUP, 0x40, 4, 0, 1), err(NUCLEO_HC_E_INVALID));
  r.env.table = nullptr;
  EXPECT_EQ(r.call(NUCLEO_HC_CHANNEL_LOOKUP, 0x40, 4), err(NUCLEO_HC_E_NOT_FOUND));
}

TEST(HypercallDispatch, GivenChannelInfoWhenCalledThenRegionAndPeerStateOfTheCallersSide) {
  ChannelRig r;
  EXPECT_EQ(r.call(NUCLEO_HC_CHANNEL_INFO, 0), 0u);
  EXPECT_EQ(r.regs.rbx, 0x100000u);
  EXPECT_EQ(r.regs.rcx, 8 * KiB);
  EXPECT_EQ(r.regs.rdx, u64{NUCLEO_HC_PEER_RUNNING | 1});
  EXPECT_EQ(r.call(NUCLEO_HC_CHANNEL_INFO, 1), 0u);
  EXPECT_EQ(r.regs.rbx, 0x102000u);  // after "link" in a's window
  EXPECT_EQ(r.regs.rcx, 4 * KiB);
  EXPECT_EQ(r.regs.rdx, 0u);  // c never started
  r.table.vm_stopped(1);
  r.table.vm_started(1);
  r.env.vm = 1;
  EXPECT_EQ(r.call(NUCLEO_HC_CHANNEL_INFO, 0), 0u);
  EXPECT_EQ(r.regs.rbx, 0x200000u);
  r.env.vm = 0;
  EXPECT_EQ(r.call(NUCLEO_HC_CHANNEL_INFO, 0), 0u);
  EXPECT_EQ(r.regs.rdx, u64{NUCLEO_HC_PEER_RUNNING | 2});  // b restarted once
}

TEST(HypercallDispatch, GivenBadChannelInfoArgumentsWhenCalledThenErrorAndResultRegistersKept) {
  ChannelRig r;
  EXPECT_EQ(r.call(NUCLEO_HC_CHANNEL_INFO, 2, 0, 0, 0), err(NUCLEO_HC_E_RANGE));
  EXPECT_EQ(r.regs.rbx, 2u);
  EXPECT_EQ(r.call(NUCLEO_HC_CHANNEL_INFO, ~u64{0}), err(NUCLEO_HC_E_RANGE));
  EXPECT_EQ(r.call(NUCLEO_HC_CHANNEL_INFO, 0, 1), err(NUCLEO_HC_E_INVALID));
  EXPECT_EQ(r.regs.rcx, 1u);
  EXPECT_EQ(r.call(NUCLEO_HC_CHANNEL_INFO, 0, 0, 9), err(NUCLEO_HC_E_INVALID));
  EXPECT_EQ(r.regs.rdx, 9u);
  r.env.table = nullptr;
  EXPECT_EQ(r.call(NUCLEO_HC_CHANNEL_INFO, 0), err(NUCLEO_HC_E_RANGE));
}

TEST(HypercallDispatch, GivenPeerDoorbellSetWhenRungThenThePeersVcpuIsSignalled) {
  ChannelRig r;
  r.env.vm = 1;
  r.env.count = 1;
  EXPECT_EQ(r.call(NUCLEO_HC_CHANNEL_DOORBELL, 0, 0x51, 0), 0u);
  r.env.vm = 0;
  EXPECT_EQ(r.call(NUCLEO_HC_CHANNEL_RING, 0), 0u);
  ASSERT_EQ(r.env.signals.size(), 1u);
  EXPECT_EQ(r.env.signals[0], (FakeHypercallEnv::Signal{1, 0, 0x51}));
  EXPECT_EQ(r.table.channel(0).ends[0].rings_sent, 1u);
  EXPECT_EQ(r.table.channel(0).ends[1].rings_delivered, 1u);
}

TEST(HypercallDispatch, GivenRingBeforeThePeerSetItsDoorbellWhenItDoesThenTheRingArrivesOnce) {
  ChannelRig r;
  EXPECT_EQ(r.call(NUCLEO_HC_CHANNEL_RING, 0), 0u);  // accepted, pending
  EXPECT_EQ(r.call(NUCLEO_HC_CHANNEL_RING, 0), 0u);  // coalesced
  EXPECT_TRUE(r.env.signals.empty());
  r.env.vm = 1;
  EXPECT_EQ(r.call(NUCLEO_HC_CHANNEL_DOORBELL, 0, 0x60, 1), 0u);  // b has 2 vCPUs in this env
  ASSERT_EQ(r.env.events.size(), 1u);  // delivered to b's own vCPU 1 by the setter
  EXPECT_EQ(r.env.events[0], (std::pair<u64, u8>{0b10, 0x60}));
  EXPECT_EQ(r.call(NUCLEO_HC_CHANNEL_DOORBELL, 0, 0x61, 0), 0u);
  EXPECT_EQ(r.env.events.size(), 1u);  // not again
}

TEST(HypercallDispatch, GivenPeerStoppedWhenRungThenPeerDownAndNothingDelivered) {
  ChannelRig r;
  r.table.vm_stopped(1);
  EXPECT_EQ(r.call(NUCLEO_HC_CHANNEL_RING, 0), err(NUCLEO_HC_E_PEER_DOWN));
  EXPECT_EQ(r.call(NUCLEO_HC_CHANNEL_RING, 1), err(NUCLEO_HC_E_PEER_DOWN));  // c never started
  EXPECT_TRUE(r.env.signals.empty());
  r.table.vm_started(1);  // b back: its old doorbell and pending ring are gone
  EXPECT_EQ(r.call(NUCLEO_HC_CHANNEL_RING, 0), 0u);
  EXPECT_TRUE(r.env.signals.empty());
}

TEST(HypercallDispatch, GivenPeerStoppingWhileRungWhenTheSignalFailsThenPeerDown) {
  ChannelRig r;
  r.env.vm = 1;
  EXPECT_EQ(r.call(NUCLEO_HC_CHANNEL_DOORBELL, 0, 0x51, 0), 0u);
  r.env.vm = 0;
  r.env.signal_ok = false;
  EXPECT_EQ(r.call(NUCLEO_HC_CHANNEL_RING, 0), err(NUCLEO_HC_E_PEER_DOWN));
}

TEST(HypercallDispatch, GivenBadRingArgumentsWhenCalledThenErrorAndNothingDelivered) {
  ChannelRig r;
  EXPECT_EQ(r.call(NUCLEO_HC_CHANNEL_RING, 2), err(NUCLEO_HC_E_RANGE));
  EXPECT_EQ(r.call(NUCLEO_HC_CHANNEL_RING, u64{1} << 32), err(NUCLEO_HC_E_RANGE));
  EXPECT_EQ(r.call(NUCLEO_HC_CHANNEL_RING, 0, 1), err(NUCLEO_HC_E_INVALID));
  EXPECT_EQ(r.call(NUCLEO_HC_CHANNEL_RING, 0, 0, 1), err(NUCLEO_HC_E_INVALID));
  EXPECT_EQ(r.call(NUCLEO_HC_CHANNEL_RING, 0, 0, 0, 1), err(NUCLEO_HC_E_INVALID));
  r.env.table = nullptr;
  EXPECT_EQ(r.call(NUCLEO_HC_CHANNEL_RING, 0), err(NUCLEO_HC_E_RANGE));
  EXPECT_TRUE(r.nothing_done());
  EXPECT_EQ(r.table.channel(0).ends[0].rings_sent, 0u);
}

TEST(HypercallDispatch, GivenBadDoorbellArgumentsWhenCalledThenErrorAndTheDoorbellUnchanged) {
  ChannelRig r;
  EXPECT_EQ(r.call(NUCLEO_HC_CHANNEL_DOORBELL, 0, 0x40, 1), 0u);
  const u32 before = r.table.channel(0).ends[0].doorbell;
  EXPECT_NE(before, 0u);
  struct Case {
    u64 handle, vector, vcpu, rsi, error;
  };
  const Case cases[] = {
      {0, 31, 0, 0, err(NUCLEO_HC_E_RANGE)},   {0, 256, 0, 0, err(NUCLEO_HC_E_RANGE)},
      {0, 0x40, 2, 0, err(NUCLEO_HC_E_RANGE)}, {0, 0x40, u64{1} << 32, 0, err(NUCLEO_HC_E_RANGE)},
      {2, 0x40, 0, 0, err(NUCLEO_HC_E_RANGE)}, {0, 0, 1, 0, err(NUCLEO_HC_E_INVALID)},
      {0, 0x40, 0, 1, err(NUCLEO_HC_E_INVALID)},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(r.call(NUCLEO_HC_CHANNEL_DOORBELL, c.handle, c.vector, c.vcpu, c.rsi), c.error)
        << c.handle << " " << c.vector << " " << c.vcpu;
    EXPECT_EQ(r.table.channel(0).ends[0].doorbell, before);
  }
  EXPECT_EQ(r.call(NUCLEO_HC_CHANNEL_DOORBELL, 0, 0, 0), 0u);  // off
  EXPECT_EQ(r.table.channel(0).ends[0].doorbell, 0u);
  r.env.table = nullptr;
  EXPECT_EQ(r.call(NUCLEO_HC_CHANNEL_DOORBELL, 0, 0x40, 0), err(NUCLEO_HC_E_RANGE));
}

TEST(HypercallDispatch, GivenVcpuStartOfAnIdleVcpuWhenCalledThenTheEnvStartsItWithEntryAndArgument) {
  Rig r;
  r.env.count = 4;
  EXPECT_EQ(r.call(NUCLEO_HC_VCPU_START, 2, 0x8000, 0xDEADBEEF), 0u);
  EXPECT_EQ(r.result.action, Action::complete);
  EXPECT_EQ(r.regs.rbx, 2u);  // arguments are not results
  EXPECT_EQ(r.regs.rcx, 0x8000u);
  EXPECT_EQ(r.regs.rdx, 0xDEADBEEFu);
  const u64 last = r.env.ram.size() - 1;  // the entry needs only its first byte in RAM
  EXPECT_EQ(r.call(NUCLEO_HC_VCPU_START, 3, last, 0), 0u);
  ASSERT_EQ(r.env.starts.size(), 2u);
  EXPECT_EQ(r.env.starts[0], (FakeHypercallEnv::Start{2, 0x8000, 0xDEADBEEF, false}));
  EXPECT_EQ(r.env.starts[1], (FakeHypercallEnv::Start{3, last, 0, false}));
}

TEST(HypercallDispatch, GivenVcpuStartFromAnApWhenItStartsAnotherThenAccepted) {
  Rig r;
  r.env.count = 3;
  r.env.index = 1;
  r.env.started = 0b011;
  EXPECT_EQ(r.call(NUCLEO_HC_VCPU_START, 2, 0x100, 7), 0u);
  ASSERT_EQ(r.env.starts.size(), 1u);
  EXPECT_EQ(r.env.starts[0], (FakeHypercallEnv::Start{2, 0x100, 7, false}));
}

TEST(HypercallDispatch, GivenVcpuStartOutsideLongModeWhenHighHalvesAreSetThenOnlyTheLowHalvesCount) {
  Rig r;
  r.caller.long_mode = false;
  r.env.count = 2;
  EXPECT_EQ(r.call(NUCLEO_HC_VCPU_START, u64{1} << 32 | 1, u64{0xFF} << 32 | 0x2000, u64{3} << 32 | 0x55,
                   u64{1} << 40),
            0u);
  ASSERT_EQ(r.env.starts.size(), 1u);
  EXPECT_EQ(r.env.starts[0], (FakeHypercallEnv::Start{1, 0x2000, 0x55, false}));
  EXPECT_EQ(r.regs.rcx, u64{0xFF} << 32 | 0x2000);
}

TEST(HypercallDispatch, GivenVcpuStartWithBadArgumentsWhenCalledThenTheirErrorsAndNothingStarted) {
  struct Case {
    u64 vcpu, entry, arg, rsi, error;
  };
  constexpr u64 kRam = 64 * 1024;  // the fake's default
  const Case cases[] = {
      {0, 0x8000, 0, 0, err(NUCLEO_HC_E_RANGE)},  // the boot vCPU
      {4, 0x8000, 0, 0, err(NUCLEO_HC_E_RANGE)},  // vCPU 4 of 4
      {~u64{0}, 0x8000, 0, 0, err(NUCLEO_HC_E_RANGE)},
      {u64{1} << 32 | 1, 0x8000, 0, 0, err(NUCLEO_HC_E_RANGE)},  // 64-bit mode: all of RBX counts
      {1, kRam, 0, 0, err(NUCLEO_HC_E_RANGE)},                   // just past RAM
      {1, u64{1} << 32, 0, 0, err(NUCLEO_HC_E_RANGE)},
      {1, ~u64{0}, 0, 0, err(NUCLEO_HC_E_RANGE)},
      {1, 0x8000, u64{1} << 32, 0, err(NUCLEO_HC_E_INVALID)},  // RDX is 32 bits
      {1, 0x8000, 0, 1, err(NUCLEO_HC_E_INVALID)},             // RSI reserved
      {0, kRam, 0, 1, err(NUCLEO_HC_E_INVALID)},               // reserved is checked first
      {2, 0x8000, 0, 0, err(NUCLEO_HC_E_INVALID)},             // the caller itself
      {2, kRam, 0, 0, err(NUCLEO_HC_E_RANGE)},                 // ranges before the caller check
  };
  for (const Case& c : cases) {
    Rig r;
    r.env.count = 4;
    r.env.index = 2;
    r.env.started = 0b101;
    EXPECT_EQ(r.call(NUCLEO_HC_VCPU_START, c.vcpu, c.entry, c.arg, c.rsi), c.error)
        << c.vcpu << " " << c.entry << " " << c.arg << " " << c.rsi;
    EXPECT_EQ(r.result.action, Action::complete);
    EXPECT_TRUE(r.nothing_done());
  }
}

TEST(HypercallDispatch, GivenVcpuStartedAlreadyWhenStartedAgainThenInvalidAndTheFirstStartStands) {
  Rig r;
  r.env.count = 4;
  r.env.started = 0b1001;  // vCPU 3 came up through INIT-SIPI
  EXPECT_EQ(r.call(NUCLEO_HC_VCPU_START, 1, 0x8000, 1), 0u);
  EXPECT_EQ(r.call(NUCLEO_HC_VCPU_START, 1, 0x9000, 2), err(NUCLEO_HC_E_INVALID));
  EXPECT_EQ(r.call(NUCLEO_HC_VCPU_START, 3, 0x8000, 3), err(NUCLEO_HC_E_INVALID));
  EXPECT_EQ(r.env.started, 0b1011u);
  ASSERT_EQ(r.env.starts.size(), 3u);
  EXPECT_FALSE(r.env.starts[0].refused);
  EXPECT_TRUE(r.env.starts[1].refused);
  EXPECT_TRUE(r.env.starts[2].refused);
}

TEST(HypercallDispatch, GivenAnEnvThatReturnsANonAbiCodeWhenAVcpuStartFailsThenTheGuestSeesInvalid) {
  const std::pair<i64, u64> cases[] = {{1, err(NUCLEO_HC_E_INVALID)},
                                       {-100, err(NUCLEO_HC_E_INVALID)},
                                       {NUCLEO_HC_E_PEER_DOWN, err(NUCLEO_HC_E_PEER_DOWN)},
                                       {NUCLEO_HC_E_RANGE, err(NUCLEO_HC_E_RANGE)}};
  for (const auto& [status, expected] : cases) {
    Rig r;
    r.env.count = 2;
    r.env.start_status = status;
    EXPECT_EQ(r.call(NUCLEO_HC_VCPU_START, 1, 0x100), expected) << status;
    EXPECT_EQ(r.env.starts.size(), 1u);
  }
}

}  // namespace
}  // namespace nucleo

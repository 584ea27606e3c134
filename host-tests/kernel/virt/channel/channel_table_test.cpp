// SPDX-License-Identifier: MIT
// Channel bookkeeping (kernel/virt/channel/channel_table.hpp): the table
// built from the configuration, handles, placement of the regions, the life
// cycle of the VMs and the doorbell handshake, including two cores racing.
#include "kernel/virt/channel/channel_table.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <string>
#include <thread>

#include "guests/include/nucleo/hypercall.h"

namespace nucleo {
namespace {

// VMs a (0), bad (1, invalid), b (2), c (3); channels ab (a-b, 8K),
// broken (to bad: dropped), ca (c-a, 4K), bc (b-c, 2M).
struct Table {
  Table() : config(std::make_unique<Config>()) {
    text =
        "[[vm]]\nname = \"a\"\ncores = [0]\nmemory = \"1M\"\nkernel = \"k\"\n"
        "[[vm]]\nname = \"bad\"\ncores = [99]\nmemory = \"1M\"\nkernel = \"k\"\n"
        "[[vm]]\nname = \"b\"\ncores = [1]\nmemory = \"1M\"\nkernel = \"k\"\n"
        "[[vm]]\nname = \"c\"\ncores = [2]\nmemory = \"1M\"\nkernel = \"k\"\n"
        "[[channel]]\nname = \"ab\"\nvms = [\"a\", \"b\"]\nsize = \"8K\"\n"
        "[[channel]]\nname = \"broken\"\nvms = [\"a\", \"bad\"]\n"
        "[[channel]]\nname = \"ca\"\nvms = [\"c\", \"a\"]\n"
        "[[channel]]\nname = \"bc\"\nvms = [\"b\", \"c\"]\nsize = \"2M\"\n";
    parse_config(Str(text.data(), text.size()), Span<char>(scratch, sizeof scratch), 4, *config);
    table->build(*config);
  }
  std::string text;
  char scratch[256];
  std::unique_ptr<Config> config;
  std::unique_ptr<ChannelTable> table = std::make_unique<ChannelTable>();
};

std::string str(Str s) { return std::string(s.data(), s.size()); }

TEST(ChannelTable, GivenConfigWhenBuiltThenOnlyValidChannelsInFileOrder) {
  Table t;
  ASSERT_EQ(t.table->count(), 3u);
  EXPECT_EQ(str(t.table->channel(0).name), "ab");
  EXPECT_EQ(t.table->channel(0).size, 8 * KiB);
  EXPECT_EQ(t.table->channel(0).ends[0].vm, 0u);
  EXPECT_EQ(t.table->channel(0).ends[1].vm, 2u);
  EXPECT_EQ(str(t.table->channel(1).name), "ca");
  EXPECT_EQ(str(t.table->channel(2).name), "bc");
  EXPECT_EQ(t.table->channel(2).size, 2 * MiB);
  for (u32 vm = 0; vm < 4; ++vm) EXPECT_FALSE(t.table->running(vm)) << vm;
}

TEST(ChannelTable, GivenVmsWhenHandlesAreLookedUpThenTheyNumberEachVmsChannels) {
  Table t;
  EXPECT_EQ(t.table->handles_of(0), 2u);
  EXPECT_EQ(t.table->handles_of(1), 0u);
  EXPECT_EQ(t.table->lookup(0, "ab"), 0);
  EXPECT_EQ(t.table->lookup(0, "ca"), 1);
  EXPECT_EQ(t.table->lookup(0, "bc"), -1);
  EXPECT_EQ(t.table->lookup(0, "broken"), -1);
  EXPECT_EQ(t.table->lookup(2, "bc"), 1);
  EXPECT_EQ(t.table->lookup(3, "ca"), 0);
  EXPECT_EQ(t.table->lookup(99, "ab"), -1);
  u32 side = 9;
  EXPECT_EQ(t.table->by_handle(3, 1, side), &t.table->channel(2));
  EXPECT_EQ(side, 1u);
  EXPECT_EQ(t.table->by_handle(3, 2, side), nullptr);
  EXPECT_EQ(t.table->by_handle(1, 0, side), nullptr);
  EXPECT_EQ(t.table->by_handle(0, ~u64{0}, side), nullptr);
}

TEST(ChannelTable, GivenABaseWhenPlacedThenRegionsFollowEachOtherPageAligned) {
  Table t;
  EXPECT_EQ(t.table->place_channels(0, 0x100001, 1ull << 32), 0x104000u);
  EXPECT_EQ(t.table->channel(0).ends[0].gpa, 0x101000u);
  EXPECT_EQ(t.table->channel(1).ends[1].gpa, 0x103000u);
  EXPECT_EQ(t.table->place_channels(1, 0x5000, 0x5000), 0x5000u);  // nothing to place
  // Exactly up to the limit fits; a byte less does not.
  EXPECT_EQ(t.table->place_channels(2, 0x10000000, 0x10202000), 0x10202000u);
  EXPECT_EQ(t.table->place_channels(2, 0x10000000, 0x10201fff), 0u);
  EXPECT_EQ(t.table->place_channels(2, ~u64{0} - 10, ~u64{0}), 0u);
  EXPECT_EQ(t.table->place_channels(2, ~u64{0} - 0x3000, ~u64{0}), 0u);
}

TEST(ChannelTable, GivenAVmStartedStoppedAndRestartedThenItsStateAndStartCountFollow) {
  Table t;
  EXPECT_EQ(t.table->peer_state(2), 0u);
  t.table->vm_started(2);
  EXPECT_TRUE(t.table->running(2));
  EXPECT_EQ(t.table->peer_state(2), NUCLEO_HC_PEER_RUNNING | 1);
  t.table->vm_stopped(2);
  EXPECT_FALSE(t.table->running(2));
  EXPECT_EQ(t.table->peer_state(2), 1u);
  t.table->vm_started(2);
  EXPECT_EQ(t.table->starts(2), 2u);
  EXPECT_FALSE(t.table->running(0));
  t.table->vm_started(kMaxVms);  // out of range: ignored
  EXPECT_FALSE(t.table->running(kMaxVms));
  EXPECT_EQ(t.table->starts(kMaxVms), 0u);
}

TEST(ChannelTable, GivenPeerDoorbellWhenRungThenDeliverToItsVcpuAndCount) {
  Table t;
  t.table->vm_started(0);
  t.table->vm_started(2);
  EXPECT_FALSE(t.table->set_doorbell(t.table->channel(0), 1, 0x70, 3));
  const ChannelRing ring = t.table->ring(0, 0);
  EXPECT_EQ(ring.kind, ChannelRing::Kind::deliver);
  EXPECT_EQ(ring.vm, 2u);
  EXPECT_EQ(ring.vcpu, 3u);
  EXPECT_EQ(ring.vector, 0x70);
  EXPECT_EQ(t.table->channel(0).ends[0].rings_sent, 1u);
  EXPECT_EQ(t.table->channel(0).ends[1].rings_delivered, 1u);
  EXPECT_EQ(t.table->ring(2, 0).kind, ChannelRing::Kind::pending);  // a has no doorbell
  EXPECT_EQ(t.table->ring(0, 5).kind, ChannelRing::Kind::bad_handle);
  EXPECT_EQ(t.table->ring(0, 1).kind, ChannelRing::Kind::peer_down);  // c never started
}

TEST(ChannelTable, GivenPendingRingWhenThePeerRestartsThenTheRingAndDoorbellAreForgotten) {
  Table t;
  t.table->vm_started(0);
  t.table->vm_started(2);
  EXPECT_FALSE(t.table->set_doorbell(t.table->channel(0), 0, 0x41, 0));
  EXPECT_EQ(t.table->ring(0, 0).kind, ChannelRing::Kind::pending);
  t.table->vm_stopped(2);
  EXPECT_EQ(t.table->ring(0, 0).kind, ChannelRing::Kind::peer_down);
  t.table->vm_started(2);
  EXPECT_FALSE(t.table->set_doorbell(t.table->channel(0), 1, 0x42, 0));  // the old ring is gone
  // The survivor's doorbell is untouched by the peer's restart.
  EXPECT_EQ(t.table->ring(2, 0).kind, ChannelRing::Kind::deliver);
  EXPECT_EQ(t.table->channel(0).ends[0].doorbell, 0x41u);
}

TEST(ChannelTable, GivenDoorbellTurnedOffWhenRungThenPendingUntilItIsOnAgain) {
  Table t;
  t.table->vm_started(0);
  t.table->vm_started(2);
  EXPECT_FALSE(t.table->set_doorbell(t.table->channel(0), 1, 0x50, 0));
  EXPECT_FALSE(t.table->set_doorbell(t.table->channel(0), 1, 0, 0));
  EXPECT_EQ(t.table->ring(0, 0).kind, ChannelRing::Kind::pending);
  EXPECT_TRUE(t.table->set_doorbell(t.table->channel(0), 1, 0x51, 1));
  EXPECT_EQ(t.table->channel(0).ends[1].rings_delivered, 1u);
}

// Two threads play the two cores: one rings, the other sets its doorbell at
// the same moment. Every accepted ring before the doorbell was set must be
// delivered exactly once, by one side or the other.
TEST(ChannelTable, GivenRingRacingTheDoorbellWhenRepeatedThenDeliveredExactlyOnce) {
  for (int round = 0; round < 300; ++round) {
    Table t;
    t.table->vm_started(0);
    t.table->vm_started(2);
    std::atomic<int> go{0};
    ChannelRing ring;
    bool setter_delivers = false;
    std::thread ringer([&] {
      go.fetch_add(1);
      while (go.load() < 2) {
      }
      ring = t.table->ring(0, 0);
    });
    go.fetch_add(1);
    while (go.load() < 2) {
    }
    setter_delivers = t.table->set_doorbell(t.table->channel(0), 1, 0x66, 0);
    ringer.join();
    const int deliveries = (ring.kind == ChannelRing::Kind::deliver) + setter_delivers;
    ASSERT_EQ(deliveries, 1) << "round " << round;
    EXPECT_EQ(t.table->channel(0).ends[1].rings_delivered, 1u);
  }
}

}  // namespace
}  // namespace nucleo

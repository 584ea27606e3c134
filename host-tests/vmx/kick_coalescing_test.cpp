// SPDX-License-Identifier: MIT
// When another core must kick a vCPU's core (vmx/hw/guest_vm.cpp asks the
// pure code): only when an event or interrupt becomes pending, not per
// ring. VcpuState::post_event with take_event (vmx/core/exit_context.hpp,
// event_delivery.cpp), VirtualLapic::accept with sync_incoming, a channel
// doorbell rung 4,096 times (one REP OUTSB) and two cores racing, where no
// event may be left pending without the target knowing it must look.
#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <string>
#include <thread>

#include "host-tests/kernel/virt/lapic/lapic_fixture.hpp"
#include "kernel/virt/channel/channel_table.hpp"
#include "vmx/core/event_delivery.hpp"

namespace nucleo::vmx {
namespace {

bool any_bit(const VcpuState& v) {
  for (const u32 w : v.events)
    if (w != 0) return true;
  return false;
}

TEST(KickCoalescing, GivenNoPendingEventWhenOnePostsThenKickAndFurtherPostsDoNot) {
  VcpuState v;
  EXPECT_TRUE(v.post_event(0x40));
  for (u32 i = 0; i < 4095; ++i) EXPECT_FALSE(v.post_event(static_cast<u8>(0x40 + (i & 0x3F))));
  EXPECT_EQ(take_event(v), 0x7F);  // the highest first; the others stay
  EXPECT_FALSE(v.post_event(0x41)) << "the target looks again anyway: events remain";
}

TEST(KickCoalescing, GivenTheTargetTookEveryEventWhenTheNextPostsThenItKicksAgain) {
  VcpuState v;
  ASSERT_TRUE(v.post_event(0x50));
  EXPECT_EQ(take_event(v), 0x50);
  EXPECT_EQ(take_event(v), 0);
  EXPECT_EQ(v.events_any, 0u);
  EXPECT_TRUE(v.post_event(0x50));
  EXPECT_EQ(take_event(v), 0x50);
}

// The doorbell path of guest_vm.cpp: DoorbellPort -> ChannelTable::ring ->
// post_event to the peer's vCPU, kick when post_event says so.
TEST(KickCoalescing, GivenADoorbellRung4096TimesInOneExitWhenDeliveredThenThePeerIsKickedOnce) {
  const std::string text =
      "[[vm]]\nname = \"a\"\ncores = [0]\nmemory = \"1M\"\nkernel = \"k\"\n"
      "[[vm]]\nname = \"b\"\ncores = [1]\nmemory = \"1M\"\nkernel = \"k\"\n"
      "[[channel]]\nname = \"ab\"\nvms = [\"a\", \"b\"]\n";
  char scratch[256];
  auto config = std::make_unique<Config>();
  parse_config(Str(text.data(), text.size()), Span<char>(scratch, sizeof scratch), 2, *config);
  auto table = std::make_unique<ChannelTable>();
  table->build(*config);
  table->vm_started(0);
  table->vm_started(1);
  ASSERT_FALSE(table->set_doorbell(table->channel(0), 1, 0x70, 0));
  VcpuState peer;
  u32 kicks = 0;
  auto ring_storm = [&](u32 rings) {
    for (u32 i = 0; i < rings; ++i) {
      const ChannelRing r = table->ring(0, 0);
      ASSERT_EQ(r.kind, ChannelRing::Kind::deliver);
      if (peer.post_event(r.vector)) ++kicks;
    }
  };
  ring_storm(4096);
  EXPECT_EQ(kicks, 1u);
  EXPECT_EQ(table->channel(0).ends[1].rings_delivered, 4096u) << "every ring is still counted";
  EXPECT_EQ(take_event(peer), 0x70);
  ring_storm(4096);  // the peer looked: the next storm kicks once more
  EXPECT_EQ(kicks, 2u);
}

// Two cores: one posts, the other takes. Whenever the poster skips the kick,
// the target must still find the event; at the end nothing may be set with
// events_any clear (an event nobody would look at until the next one).
TEST(KickCoalescing, GivenAPosterAndATakerRacingWhenDoneThenNoEventIsStranded) {
  constexpr u32 kPosts = 200000;
  VcpuState v;
  std::atomic<bool> done{false};
  u32 kicks = 0;
  u64 taken = 0;
  std::thread taker([&] {
    while (!done.load(std::memory_order_acquire) || __atomic_load_n(&v.events_any, __ATOMIC_ACQUIRE) != 0)
      if (take_event(v) != 0) ++taken;
  });
  for (u32 i = 0; i < kPosts; ++i)
    if (v.post_event(static_cast<u8>(32 + i % 200))) ++kicks;
  done.store(true, std::memory_order_release);
  taker.join();
  EXPECT_FALSE(any_bit(v)) << "an event was left pending with events_any clear";
  EXPECT_EQ(v.events_any, 0u);
  EXPECT_GT(taken, 0u);
  EXPECT_LE(kicks, kPosts);
  RecordProperty("kicks", static_cast<int>(kicks));
  RecordProperty("taken", static_cast<int>(taken));
}

// ---- Local APIC: VirtualLapic::accept ------------------------------------------

using lapic_test::LapicVm;

TEST(KickCoalescing, GivenAnEnabledLapicWhenFixedInterruptsArriveThenOnlyTheFirstSinceTheLastMergeKicks) {
  LapicVm vm(2);
  vm.enable_all();
  VirtualLapic& target = vm[1];
  EXPECT_TRUE(target.accept(0x60, IpiKind::fixed));
  for (u32 i = 0; i < 4095; ++i) EXPECT_FALSE(target.accept(static_cast<u8>(0x60 + (i & 0xF)), IpiKind::fixed));
  EXPECT_EQ(target.pending_vector(), 0x6F);  // the own core merges everything that came
  EXPECT_TRUE(target.accept(0x61, IpiKind::fixed)) << "after the merge, the next one kicks";
}

TEST(KickCoalescing, GivenNmiInitOrSipiWhenAcceptedThenAlwaysKickAndDroppedInterruptsNever) {
  LapicVm vm(2);
  VirtualLapic& target = vm[1];
  EXPECT_FALSE(target.accept(0x60, IpiKind::fixed)) << "software-disabled: dropped, nothing to look at";
  vm.enable_all();
  for (int i = 0; i < 2; ++i) {
    EXPECT_TRUE(target.accept(0, IpiKind::nmi));
    EXPECT_TRUE(target.accept(0, IpiKind::init));
    EXPECT_TRUE(target.accept(0x10, IpiKind::sipi));
  }
  EXPECT_TRUE(target.accept(3, IpiKind::fixed)) << "an illegal vector raises an error: look";
}

}  // namespace
}  // namespace nucleo::vmx

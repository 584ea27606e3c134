// SPDX-License-Identifier: MIT
// Vm::guest_ram with moved pages (kernel/virt/moved_pages.hpp): the
// hypervisor's accesses follow a migrated page to its new frame, ranges
// across a moved page are refused, everything else reads RAM as before.
#include <gtest/gtest.h>

#include <vector>

#include "kernel/virt/vm.hpp"

namespace nucleo {
namespace {

struct Rig {
  std::vector<u8> ram = std::vector<u8>(64 * 1024);
  alignas(4096) u8 frame[4096] = {};
  Vm vm;
  Rig() {
    vm.ram = ram.data();
    vm.ram_size = ram.size();
  }
};

TEST(MovedPages, GivenNoMovedPageWhenRangesAreAskedThenTheyAreInTheRamRange) {
  Rig r;
  EXPECT_EQ(r.vm.guest_ram(0x1000, 0x3000).data(), r.ram.data() + 0x1000);
  EXPECT_TRUE(r.vm.guest_ram(r.ram.size(), 1).empty());
}

TEST(MovedPages, GivenAMovedPageWhenRangesInsideItAreAskedThenTheyAreInItsFrame) {
  Rig r;
  ASSERT_TRUE(r.vm.moved.set(0x3000, r.frame));
  EXPECT_EQ(r.vm.guest_ram(0x3000, 4096).data(), r.frame);
  EXPECT_EQ(r.vm.guest_ram(0x3ff8, 8).data(), r.frame + 0xff8);
  EXPECT_EQ(r.vm.guest_ram(0x2ff8, 8).data(), r.ram.data() + 0x2ff8);  // the page before: RAM
  EXPECT_EQ(r.vm.guest_ram(0x4000, 8).data(), r.ram.data() + 0x4000);  // the page after: RAM
  EXPECT_EQ(r.vm.guest_ram(0x2000, 0x1000).size(), 0x1000u);
  EXPECT_EQ(r.vm.guest_ram(0x3000, 0).data(), r.ram.data() + 0x3000);   // nothing to reach
}

TEST(MovedPages, GivenAMovedPageWhenARangeCrossesIntoItThenRefused) {
  Rig r;
  ASSERT_TRUE(r.vm.moved.set(0x3000, r.frame));
  EXPECT_TRUE(r.vm.guest_ram(0x2ff8, 16).empty());
  EXPECT_TRUE(r.vm.guest_ram(0x3ff8, 16).empty());
  EXPECT_TRUE(r.vm.guest_ram(0, r.ram.size()).empty());
}

TEST(MovedPages, GivenAFullTableWhenAnotherPageMovesThenRefusedButAMovedPageMovesAgain) {
  Rig r;
  u8 frames[MovedPages::kMax + 1][16];
  for (u32 i = 0; i < MovedPages::kMax; ++i) ASSERT_TRUE(r.vm.moved.set(i * 0x1000, frames[i]));
  EXPECT_FALSE(r.vm.moved.has_room());
  EXPECT_FALSE(r.vm.moved.set(0x8000, frames[MovedPages::kMax]));
  EXPECT_EQ(r.vm.moved.find(0x8000), nullptr);
  EXPECT_TRUE(r.vm.moved.set(0x1000, frames[MovedPages::kMax]));
  EXPECT_EQ(r.vm.moved.find(0x1000), frames[MovedPages::kMax]);
  r.vm.moved.clear();
  EXPECT_EQ(r.vm.guest_ram(0x1000, 8).data(), r.ram.data() + 0x1000);
}

}  // namespace
}  // namespace nucleo

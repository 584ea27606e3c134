// SPDX-License-Identifier: MIT
// The guest-physical PC layout (kernel/virt/loader/guest_memory_map.cpp):
// regions for small and large RAM, usable ranges, mem_lower/mem_upper.
#include "kernel/virt/loader/guest_memory_map.hpp"

#include <gtest/gtest.h>

namespace nucleo::loader {
namespace {

TEST(GuestMemoryMap, Given16MiBWhenBuiltThenLowRamEbdaHoleAndHighRamAreListedInOrder) {
  const GuestMemoryMap map(16 * MiB);
  ASSERT_EQ(map.size(), 4u);
  EXPECT_EQ(map[0].base, 0u);
  EXPECT_EQ(map[0].end(), 0x9FC00u);
  EXPECT_EQ(map[0].type, GuestMemoryType::available);
  EXPECT_EQ(map[1].base, 0x9FC00u);
  EXPECT_EQ(map[1].end(), 0xA0000u);
  EXPECT_EQ(map[1].type, GuestMemoryType::reserved);
  EXPECT_EQ(map[2].base, 0xA0000u);
  EXPECT_EQ(map[2].end(), 0x100000u);
  EXPECT_EQ(map[2].type, GuestMemoryType::reserved);
  EXPECT_EQ(map[3].base, 0x100000u);
  EXPECT_EQ(map[3].end(), 16 * MiB);
  EXPECT_EQ(map[3].type, GuestMemoryType::available);
  EXPECT_EQ(map.mem_lower_kib(), 639u);
  EXPECT_EQ(map.mem_upper_kib(), 15u * 1024);
}

TEST(GuestMemoryMap, GivenRamBelow1MiBWhenBuiltThenLowRamIsClippedAndNoHighRamIsListed) {
  const GuestMemoryMap map(512 * KiB);
  ASSERT_EQ(map.size(), 3u);
  EXPECT_EQ(map[0].end(), 512 * KiB);
  EXPECT_EQ(map.mem_lower_kib(), 512u);
  EXPECT_EQ(map.mem_upper_kib(), 0u);
  EXPECT_FALSE(map.is_usable(0x100000, 0x101000));
  EXPECT_EQ(GuestMemoryMap(0).size(), 2u);  // only the reserved ranges
}

TEST(GuestMemoryMap, GivenHugeRamWhenMemUpperIsAskedThenItIsClampedTo32Bits) {
  EXPECT_EQ(GuestMemoryMap(8192 * GiB).mem_upper_kib(), 0xFFFFFFFFu);
  EXPECT_EQ(GuestMemoryMap(1 * MiB).mem_upper_kib(), 0u);
}

TEST(GuestMemoryMap, GivenRangesWhenCheckedThenOnlyThoseInsideOneAvailableRegionAreUsable) {
  const GuestMemoryMap map(4 * MiB);
  EXPECT_TRUE(map.is_usable(0, 0x9FC00));
  EXPECT_FALSE(map.is_usable(0, 0x9FC01));
  EXPECT_TRUE(map.is_usable(0x100000, 4 * MiB));
  EXPECT_FALSE(map.is_usable(0x100000, 4 * MiB + 1));
  EXPECT_FALSE(map.is_usable(0x9F000, 0x101000));  // spans the hole
  EXPECT_FALSE(map.is_usable(0xB8000, 0xB9000));
  EXPECT_FALSE(map.is_usable(0x2000, 0x1000));  // reversed
  EXPECT_TRUE(GuestMemoryMap::touches_legacy_hole(0x9FBFF, 0x9FC01));
  EXPECT_FALSE(GuestMemoryMap::touches_legacy_hole(0x9F000, 0x9FC00));
  EXPECT_FALSE(GuestMemoryMap::touches_legacy_hole(0x100000, 0x200000));
}

}  // namespace
}  // namespace nucleo::loader

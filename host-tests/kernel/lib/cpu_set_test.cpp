// SPDX-License-Identifier: MIT
// CpuSet (kernel/lib/cpu_set.hpp): membership, bounds and the walk over
// members that cross-calls use.
#include "kernel/lib/cpu_set.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace nucleo {
namespace {

TEST(CpuSet, GivenMembersAcrossWordsWhenWalkedThenEachOnceInAscendingOrder) {
  CpuSet s;
  for (u32 cpu : {511u, 0u, 63u, 64u, 200u, 1u}) s.add(cpu);
  s.add(kMaxCpus);  // out of range: ignored
  std::vector<u32> seen;
  s.for_each([&](u32 cpu) { seen.push_back(cpu); });
  EXPECT_EQ(seen, (std::vector<u32>{0, 1, 63, 64, 200, 511}));
  EXPECT_EQ(s.count(), 6u);
  s.remove(63);
  EXPECT_FALSE(s.contains(63));
  EXPECT_TRUE(s.contains(64));
}

TEST(CpuSet, GivenAnEmptySetWhenWalkedThenNothing) {
  u32 calls = 0;
  CpuSet{}.for_each([&](u32) { ++calls; });
  EXPECT_EQ(calls, 0u);
  EXPECT_TRUE(CpuSet{}.empty());
  static_assert(CpuSet::first_n(3).count() == 3);
}

}  // namespace
}  // namespace nucleo

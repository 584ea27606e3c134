// SPDX-License-Identifier: MIT
// The port bus of a VM (kernel/virt/io_bus.cpp): attach refuses overlaps,
// reversed ranges and a 17th range; accesses reach the device owning the
// port, masked to the access size; unclaimed accesses read all ones and are
// counted.
#include "kernel/virt/io_bus.hpp"

#include <gtest/gtest.h>

#include "host-tests/support/io_recorder.hpp"

namespace nucleo {
namespace {

using test::IoRecorder;

TEST(IoBus, GivenARangeWhenOverlappingRangesAttachThenRefusedAndAdjacentOnesAccepted) {
  IoBus bus;
  IoRecorder a, b;
  ASSERT_TRUE(bus.attach(0x60, 0x64, a));
  EXPECT_FALSE(bus.attach(0x64, 0x70, b));  // shares the last port
  EXPECT_FALSE(bus.attach(0x50, 0x60, b));  // shares the first port
  EXPECT_FALSE(bus.attach(0x40, 0x80, b));  // encloses it
  EXPECT_FALSE(bus.attach(0x61, 0x62, b));  // inside it
  EXPECT_FALSE(bus.attach(0x60, 0x64, b));  // the same
  EXPECT_TRUE(bus.attach(0x65, 0x70, b));   // adjacent above
  EXPECT_TRUE(bus.attach(0x5F, 0x5F, b));   // adjacent below
  bus.out(0x64, 1, 1);
  bus.out(0x65, 1, 2);
  EXPECT_EQ(a.out_values(), std::vector<u32>{1});
  EXPECT_EQ(b.out_values(), std::vector<u32>{2});
}

TEST(IoBus, GivenAReversedRangeWhenAttachedThenRefused) {
  IoBus bus;
  IoRecorder a;
  EXPECT_FALSE(bus.attach(0x70, 0x60, a));
  EXPECT_TRUE(bus.attach(0xFFFF, 0xFFFF, a));
  EXPECT_TRUE(bus.attach(0, 0, a));
}

TEST(IoBus, GivenAFullTableWhenOneMoreRangeAttachesThenRefused) {
  IoBus bus;
  IoRecorder d;
  for (u16 i = 0; i < IoBus::kMaxRanges; ++i)
    ASSERT_TRUE(bus.attach(static_cast<u16>(i * 0x10), static_cast<u16>(i * 0x10 + 7), d)) << i;
  EXPECT_FALSE(bus.attach(0x1000, 0x1000, d));
  bus.out(static_cast<u16>((IoBus::kMaxRanges - 1) * 0x10 + 7), 2, 0xAB);  // the last one still routes
  EXPECT_EQ(d.out_values(), std::vector<u32>{0xAB});
}

TEST(IoBus, GivenDevicesWhenAccessedThenTheOwnerGetsPortSizeAndValueAndReadsAreMaskedToTheSize) {
  IoBus bus;
  IoRecorder pic, pit;
  ASSERT_TRUE(bus.attach(0x20, 0x21, pic));
  ASSERT_TRUE(bus.attach(0x40, 0x43, pit));
  pit.read_value = 0xDEADBEEF;
  EXPECT_EQ(bus.in(0x42, 1), 0xEFu);
  EXPECT_EQ(bus.in(0x42, 2), 0xBEEFu);
  EXPECT_EQ(bus.in(0x42, 4), 0xDEADBEEFu);
  bus.out(0x21, 1, 0xFB);
  EXPECT_EQ(pic.log, (std::vector<IoRecorder::Access>{{false, 0x21, 1, 0xFB}}));
  EXPECT_EQ(pit.log.size(), 3u);
  EXPECT_EQ(pit.log[1], (IoRecorder::Access{true, 0x42, 2, 0xDEADBEEF}));
  EXPECT_EQ(bus.unclaimed_accesses(), 0u);
}

TEST(IoBus, GivenNoOwnerOrADecliningOneWhenAccessedThenAllOnesAndEachAccessCounted) {
  IoBus bus;
  IoRecorder shy;
  shy.decline = true;
  ASSERT_TRUE(bus.attach(0x300, 0x30F, shy));
  EXPECT_EQ(bus.in(0x80, 1), 0xFFu);
  EXPECT_EQ(bus.in(0x80, 2), 0xFFFFu);
  EXPECT_EQ(bus.in(0x305, 4), 0xFFFFFFFFu);
  bus.out(0x80, 1, 0);
  bus.out(0x30F, 2, 0);
  EXPECT_EQ(bus.unclaimed_accesses(), 5u);
}

}  // namespace
}  // namespace nucleo

// SPDX-License-Identifier: MIT
// The ACPI PM timer (kernel/virt/devices/pm_timer.cpp): 3.579545 MHz, 24
// bits (ACPI 6.5, 4.8.3.3), derived from a guest clock the test moves.
#include "kernel/virt/devices/pm_timer.hpp"

#include <gtest/gtest.h>

namespace nucleo {
namespace {

class ManualClock final : public GuestClock {
 public:
  u64 tsc() const override { return tsc_; }
  u64 tsc_hz() const override { return hz_; }
  u64 tsc_ = 0;
  u64 hz_ = 2'500'000'000;
};

struct Rig {
  ManualClock clock;
  PmTimer timer{clock, PmTimer::kDefaultPort};
  IoBus bus;
  Rig() { EXPECT_TRUE(bus.attach(PmTimer::kDefaultPort, PmTimer::kDefaultPort + 3, timer)); }
  u32 read() { return bus.in(PmTimer::kDefaultPort, 4); }
  void at_seconds(u64 s) { clock.tsc_ = clock.hz_ * s; }
};

TEST(PmTimer, GivenGuestTimeWhenReadThenTheCountIs3579545PerSecondModulo2To24) {
  Rig r;
  EXPECT_EQ(r.read(), 0u);
  r.at_seconds(1);
  EXPECT_EQ(r.read(), 3'579'545u);
  r.at_seconds(4);
  EXPECT_EQ(r.read(), 14'318'180u);
  r.at_seconds(5);  // 17'897'725 - 2^24
  EXPECT_EQ(r.read(), 1'120'509u);
  r.at_seconds(10);  // 35'795'450 - 2 * 2^24
  EXPECT_EQ(r.read(), 2'241'018u);
}

TEST(PmTimer, GivenAFractionOfATickWhenReadThenTheCountRoundsDown) {
  Rig r;
  r.clock.tsc_ = 698;  // 698 * 3579545 / 2.5e9 = 0.9994 ticks
  EXPECT_EQ(r.read(), 0u);
  r.clock.tsc_ = 699;  // 1.0008
  EXPECT_EQ(r.read(), 1u);
}

TEST(PmTimer, GivenTheLastCountWhenTheClockAdvancesOneTickThenItWrapsToZero) {
  Rig r;
  r.clock.hz_ = PmTimer::kHz;  // one guest tick per timer tick
  r.clock.tsc_ = (1u << 24) - 1;
  EXPECT_EQ(r.read(), 0x00FF'FFFFu);
  r.clock.tsc_ = 1u << 24;
  EXPECT_EQ(r.read(), 0u);
  r.clock.tsc_ = (u64{1} << 40) + 5;
  EXPECT_EQ(r.read(), 5u);
}

TEST(PmTimer, GivenAYearOfGuestTimeWhenReadThenNoPrecisionIsLost) {
  Rig r;
  r.clock.hz_ = 3'000'000'000;
  r.at_seconds(365ull * 24 * 3600);  // tsc * kHz overflows 64 bits: mul_div keeps 128
  EXPECT_EQ(r.read(), static_cast<u32>((PmTimer::kHz * 365ull * 24 * 3600) % (1u << 24)));
}

TEST(PmTimer, GivenNarrowReadsWhenIssuedThenTheyReturnThoseBytesOfTheCounter) {
  Rig r;
  r.clock.hz_ = PmTimer::kHz;
  r.clock.tsc_ = 0xABCDEF;
  EXPECT_EQ(r.bus.in(0x608, 1), 0xEFu);
  EXPECT_EQ(r.bus.in(0x608, 2), 0xCDEFu);
  EXPECT_EQ(r.bus.in(0x609, 1), 0xCDu);
  EXPECT_EQ(r.bus.in(0x60A, 1), 0xABu);
  EXPECT_EQ(r.bus.in(0x60B, 1), 0x00u);  // bits 31:24 of a 24-bit timer
  EXPECT_EQ(r.bus.unclaimed_accesses(), 0u);
}

TEST(PmTimer, GivenWritesWhenIssuedThenTheyAreAcceptedAndTheCountIsUnchanged) {
  Rig r;
  r.at_seconds(1);
  r.bus.out(0x608, 4, 0);
  r.bus.out(0x60A, 1, 0xFF);
  EXPECT_EQ(r.read(), 3'579'545u);
  EXPECT_EQ(r.bus.unclaimed_accesses(), 0u);
}

TEST(PmTimer, GivenAnUncalibratedClockWhenReadThenTheTimerStandsAtZero) {
  Rig r;
  r.clock.hz_ = 0;
  r.clock.tsc_ = 123456789;
  EXPECT_EQ(r.read(), 0u);
}

TEST(PmTimer, GivenAnotherBaseWhenPortsOutsideTheBlockAreAskedThenTheyAreNotClaimed) {
  ManualClock clock;
  PmTimer timer(clock, 0xB008);  // QEMU pc (PIIX4) puts it here
  u32 v = 0;
  EXPECT_EQ(timer.port(), 0xB008);
  EXPECT_TRUE(timer.io_in(0xB008, 4, v));
  EXPECT_TRUE(timer.io_in(0xB00B, 1, v));
  EXPECT_FALSE(timer.io_in(0xB007, 1, v));
  EXPECT_FALSE(timer.io_in(0xB00C, 1, v));
  EXPECT_FALSE(timer.io_out(0xB00C, 1, 0));
  EXPECT_FALSE(timer.io_out(0xB007, 1, 0));
}

}  // namespace
}  // namespace nucleo

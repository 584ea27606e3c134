// SPDX-License-Identifier: MIT
#include "kernel/time/calibration.hpp"

#include <gtest/gtest.h>

#include "kernel/lib/cpu_set.hpp"

namespace nucleo {
namespace {

TEST(Calibration, PmTimerDeltaWrapsAt24Or32Bits) {
  EXPECT_EQ(timecal::pm_timer_delta(100, 200, false), 100u);
  EXPECT_EQ(timecal::pm_timer_delta(0x00FFFFF0, 0x10, false), 0x20u);      // 24-bit wrap
  EXPECT_EQ(timecal::pm_timer_delta(0xFFFFFFF0, 0x10, true), 0x20u);       // 32-bit wrap
  EXPECT_EQ(timecal::pm_timer_delta(0x01000005, 0x01000009, false), 4u);   // bits above 24 ignored
}

TEST(Calibration, FrequencyFromAReferenceInterval) {
  // 10 ms of PM timer (35795 ticks) while the TSC advanced 30 M ticks: 3 GHz.
  EXPECT_NEAR(static_cast<double>(timecal::frequency(30000000, 35795, timecal::kPmTimerHz)), 3e9, 3e9 * 1e-4);
  EXPECT_EQ(timecal::frequency(123, 0, timecal::kPmTimerHz), 0u);
  // Large products need the 128-bit intermediate.
  EXPECT_EQ(timecal::frequency(UINT64_MAX / 2, 1000, 1000), UINT64_MAX / 2);
}

TEST(Calibration, MulDivSaturatesInsteadOfFaulting) {
  EXPECT_EQ(mul_div(UINT64_MAX, UINT64_MAX, 1), UINT64_MAX);
  EXPECT_EQ(mul_div(5, 7, 0), UINT64_MAX);
  EXPECT_EQ(mul_div(1ull << 40, 1ull << 40, 1ull << 50), 1ull << 30);
}

TEST(Calibration, CpuidLeaf15) {
  // Crystal 24 MHz, ratio 125/2: 1.5 GHz.
  EXPECT_EQ(timecal::tsc_from_cpuid15(2, 125, 24000000), 1500000000u);
  EXPECT_EQ(timecal::tsc_from_cpuid15(2, 125, 0), 0u);  // crystal not enumerated
  EXPECT_EQ(timecal::tsc_from_cpuid15(0, 125, 24000000), 0u);
}

TEST(CpuSet, AddRemoveCountBounds) {
  CpuSet s;
  EXPECT_TRUE(s.empty());
  s.add(0);
  s.add(63);
  s.add(64);
  s.add(kMaxCpus - 1);
  s.add(kMaxCpus);  // out of range: ignored
  EXPECT_EQ(s.count(), 4u);
  EXPECT_TRUE(s.contains(64));
  EXPECT_FALSE(s.contains(kMaxCpus));
  s.remove(63);
  EXPECT_FALSE(s.contains(63));
  EXPECT_EQ(CpuSet::first_n(70).count(), 70u);
}

}  // namespace
}  // namespace nucleo

// SPDX-License-Identifier: MIT
// The virtual LAPIC timer (kernel/virt/lapic/lapic_timer.cpp through the
// registers of virtual_lapic.cpp) with a clock moved by hand: one-shot,
// periodic (reload without drift), every divide value, and TSC-deadline
// arming, disarming and past deadlines (SDM Vol. 3A 11.5.4).
#include <gtest/gtest.h>

#include "host-tests/kernel/virt/lapic/lapic_fixture.hpp"

namespace nucleo::lapic_test {
namespace {

constexpr u32 kOneShot = 0x00000, kPeriodic = 0x20000, kTscDeadline = 0x40000;
constexpr u32 kDivideBy1 = 0xB;

struct TimerRig : OneLapic {
  u64 t0 = 0;
  void start(u32 lvt, u32 divide, u32 initial) {
    apic().write(kLvtTimer, lvt);
    apic().write(kTimerDivide, divide);
    t0 = clock.now;
    apic().write(kTimerInitial, initial);
  }
  void at(u64 ticks_after_start) { clock.now = t0 + ticks_after_start; }
  u32 current() { return apic().read(kTimerCurrent); }
  // poll() at the current time; true if the vector landed in IRR.
  bool fires(u8 vector) {
    apic().poll(clock.now);
    const bool got = apic().pending_vector() == vector;
    if (got) {
      apic().acknowledge(vector);
      apic().eoi();
    }
    return got;
  }
};

TEST(LapicTimer, GivenOneShotWhenTimeRunsThenCountFallsFiresOnceAndStaysZero) {
  TimerRig r;  // TSC rate = timer rate, divide by 1: one count per tick
  r.start(kOneShot | 0x40, kDivideBy1, 1000);
  EXPECT_EQ(r.current(), 1000u);
  EXPECT_EQ(r.apic().timer_deadline_tsc(), r.t0 + 1000);
  r.at(250);
  EXPECT_EQ(r.current(), 750u);
  EXPECT_FALSE(r.fires(0x40));
  r.at(999);
  EXPECT_EQ(r.current(), 1u);
  EXPECT_FALSE(r.fires(0x40));
  r.at(1000);
  EXPECT_EQ(r.current(), 0u);
  EXPECT_TRUE(r.fires(0x40));
  EXPECT_EQ(r.apic().timer_deadline_tsc(), 0u);
  r.at(5000);
  EXPECT_FALSE(r.fires(0x40)) << "one-shot fires once";
  EXPECT_EQ(r.current(), 0u);
  EXPECT_EQ(r.apic().read(kTimerInitial), 1000u);
  EXPECT_EQ(r.apic().stats().timer_fired, 1u);
}

TEST(LapicTimer, GivenPeriodicWhenPolledLateThenReloadsWithoutDriftAndCountWraps) {
  TimerRig r;
  r.start(kPeriodic | 0x41, kDivideBy1, 100);
  r.at(100);
  EXPECT_EQ(r.current(), 100u) << "reloaded at the end of the period";
  EXPECT_TRUE(r.fires(0x41));
  EXPECT_EQ(r.apic().timer_deadline_tsc(), r.t0 + 200);
  r.at(230);  // polled 30 ticks late
  EXPECT_EQ(r.current(), 70u);
  EXPECT_TRUE(r.fires(0x41));
  EXPECT_EQ(r.apic().timer_deadline_tsc(), r.t0 + 300) << "the next period starts at t0+200, not at the poll";
  r.at(1050);  // several periods missed: one interrupt (one IRR bit), deadline on the grid
  EXPECT_EQ(r.current(), 50u);
  EXPECT_TRUE(r.fires(0x41));
  EXPECT_FALSE(r.fires(0x41));
  EXPECT_EQ(r.apic().timer_deadline_tsc(), r.t0 + 1100);
}

TEST(LapicTimer, GivenEachDivideValueWhenStartedThenPeriodIsInitialTimesDivisor) {
  const struct {
    u32 config;
    u32 divisor;
  } rows[] = {{0x0, 2}, {0x1, 4}, {0x2, 8}, {0x3, 16}, {0x8, 32}, {0x9, 64}, {0xA, 128}, {0xB, 1}};
  for (const auto& row : rows) {
    TimerRig r;
    r.start(kOneShot | 0x40, row.config, 10);
    EXPECT_EQ(r.apic().timer_deadline_tsc(), r.t0 + 10u * row.divisor) << std::hex << row.config;
    r.at(5u * row.divisor);
    EXPECT_EQ(r.current(), 5u) << std::hex << row.config;
  }
}

TEST(LapicTimer, GivenSlowerTimerClockWhenCountingThenTscTicksScale) {
  LapicVm vm(1, 250000000);  // 250 MHz timer clock, 1 GHz TSC: 4 ticks per count
  vm.enable_all();
  vm[0].write(kLvtTimer, 0x40);
  vm[0].write(kTimerDivide, kDivideBy1);
  const u64 t0 = vm.clock.now;
  vm[0].write(kTimerInitial, 1000);
  EXPECT_EQ(vm[0].timer_deadline_tsc(), t0 + 4000);
  vm.clock.now = t0 + 2000;
  EXPECT_EQ(vm[0].read(kTimerCurrent), 500u);
}

TEST(LapicTimer, GivenDivideChangeWhileCountingThenRemainingCountsRunAtNewRate) {
  TimerRig r;
  r.start(kOneShot | 0x40, kDivideBy1, 1000);
  r.at(400);  // 600 counts left
  r.apic().write(kTimerDivide, 0x0);  // divide by 2
  EXPECT_EQ(r.current(), 600u);
  EXPECT_EQ(r.apic().timer_deadline_tsc(), r.t0 + 400 + 1200);
}

TEST(LapicTimer, GivenMaskedTimerWhenExpiredThenCountsButRaisesNothing) {
  TimerRig r;
  r.start(kPeriodic | kLvtMasked | 0x40, kDivideBy1, 100);
  r.at(150);
  EXPECT_EQ(r.current(), 50u);
  EXPECT_FALSE(r.fires(0x40));
  EXPECT_EQ(r.apic().stats().timer_fired, 1u);
  EXPECT_EQ(r.apic().timer_deadline_tsc(), r.t0 + 200);
}

TEST(LapicTimer, GivenInitialCountZeroWhenWrittenThenTimerStops) {
  TimerRig r;
  r.start(kPeriodic | 0x40, kDivideBy1, 100);
  r.apic().write(kTimerInitial, 0);
  EXPECT_EQ(r.apic().timer_deadline_tsc(), 0u);
  r.at(1000);
  EXPECT_EQ(r.current(), 0u);
  EXPECT_FALSE(r.fires(0x40));
}

TEST(LapicTimer, GivenTscDeadlineModeWhenArmedThenFiresAtDeadlineAndMsrReadsZeroAfter) {
  TimerRig r;
  r.apic().write(kLvtTimer, kTscDeadline | 0x42);
  ASSERT_FALSE(r.apic().wrmsr(kMsrTscDeadline, 5000).gp);
  EXPECT_EQ(r.apic().rdmsr(kMsrTscDeadline).value, 5000u);
  EXPECT_EQ(r.apic().timer_deadline_tsc(), 5000u);
  r.clock.now = 4999;
  EXPECT_FALSE(r.fires(0x42));
  r.clock.now = 5000;
  EXPECT_TRUE(r.fires(0x42));
  EXPECT_EQ(r.apic().rdmsr(kMsrTscDeadline).value, 0u);
  EXPECT_EQ(r.apic().timer_deadline_tsc(), 0u);
  r.clock.now = 9000;
  EXPECT_FALSE(r.fires(0x42));
}

TEST(LapicTimer, GivenTscDeadlineWhenZeroWrittenThenDisarmedAndPastDeadlineFiresAtOnce) {
  TimerRig r;
  r.apic().write(kLvtTimer, kTscDeadline | 0x42);
  (void)r.apic().wrmsr(kMsrTscDeadline, 5000);
  (void)r.apic().wrmsr(kMsrTscDeadline, 0);
  r.clock.now = 6000;
  EXPECT_FALSE(r.fires(0x42));
  (void)r.apic().wrmsr(kMsrTscDeadline, 10);  // already past
  EXPECT_TRUE(r.fires(0x42));
}

TEST(LapicTimer, GivenTscDeadlineModeWhenInitialCountWrittenThenIgnoredAndCurrentReadsZero) {
  TimerRig r;
  r.apic().write(kLvtTimer, kTscDeadline | 0x42);
  r.apic().write(kTimerInitial, 100);
  EXPECT_EQ(r.apic().read(kTimerInitial), 0u);
  EXPECT_EQ(r.current(), 0u);
  EXPECT_EQ(r.apic().timer_deadline_tsc(), 0u);
}

TEST(LapicTimer, GivenOtherModeWhenTscDeadlineMsrWrittenThenIgnoredAndReadsZero) {
  TimerRig r;
  r.apic().write(kLvtTimer, kOneShot | 0x42);
  EXPECT_FALSE(r.apic().wrmsr(kMsrTscDeadline, 5000).gp);
  EXPECT_EQ(r.apic().rdmsr(kMsrTscDeadline).value, 0u);
  EXPECT_EQ(r.apic().timer_deadline_tsc(), 0u);
}

TEST(LapicTimer, GivenArmedTimerWhenModeSwitchesToOrFromTscDeadlineThenDisarmed) {
  TimerRig r;
  r.start(kOneShot | 0x40, kDivideBy1, 1000);
  r.apic().write(kLvtTimer, kTscDeadline | 0x40);
  EXPECT_EQ(r.apic().timer_deadline_tsc(), 0u);
  (void)r.apic().wrmsr(kMsrTscDeadline, 50000);
  r.apic().write(kLvtTimer, kPeriodic | 0x40);
  EXPECT_EQ(r.apic().timer_deadline_tsc(), 0u);
  r.clock.now = 60000;
  EXPECT_FALSE(r.fires(0x40));
  r.apic().write(kLvtTimer, kTscDeadline | 0x40);
  EXPECT_EQ(r.apic().rdmsr(kMsrTscDeadline).value, 0u) << "the old deadline did not survive";
}

TEST(LapicTimer, GivenOneShotWhenSwitchedToPeriodicWhileRunningThenKeepsCountingAndReloads) {
  TimerRig r;
  r.start(kOneShot | 0x40, kDivideBy1, 100);
  r.at(60);
  r.apic().write(kLvtTimer, kPeriodic | 0x40);
  EXPECT_EQ(r.current(), 40u);
  r.at(100);
  EXPECT_TRUE(r.fires(0x40));
  EXPECT_EQ(r.apic().timer_deadline_tsc(), r.t0 + 200);
}

}  // namespace
}  // namespace nucleo::lapic_test

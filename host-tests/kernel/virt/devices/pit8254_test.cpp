// SPDX-License-Identifier: MIT
// The virtual 8254 (kernel/virt/devices/pit8254.cpp) against a hand-moved
// guest clock: mode 0 on channel 2 as Linux calibrates the TSC (OUT2 in
// port 0x61 rises N + 1 input clocks after the count write), the gate,
// counter latch and read-back, LSB/MSB/LSB-then-MSB access, modes 1-5,
// BCD, and channel 0's IRQ deadlines and polls.
#include "kernel/virt/devices/pit8254.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace nucleo {
namespace {

struct FakeClock final : GuestClock {
  u64 now = 1'000'000;
  u64 hz = 3 * Pit8254::kInputHz;  // three TSC ticks per input clock: exact arithmetic
  u64 tsc() const override { return now; }
  u64 tsc_hz() const override { return hz; }
};

struct IrqRecorder final : IrqLines {
  std::vector<bool> levels;  // of IRQ 0
  void set_irq(u32 irq, bool level) override {
    EXPECT_EQ(irq, 0u);
    levels.push_back(level);
  }
};

struct PitRig {
  FakeClock clock;
  IrqRecorder irqs;
  Pit8254 pit{clock, irqs};
  void out(u16 port, u8 value) { EXPECT_TRUE(pit.io_out(port, 1, value)); }
  u8 in(u16 port) {
    u32 v = 0xDEAD;
    EXPECT_TRUE(pit.io_in(port, 1, v));
    return static_cast<u8>(v);
  }
  void advance_pulses(u64 n) { clock.now += 3 * n; }
  u16 latch_and_read(u8 channel) {  // counter latch, then LSB and MSB (channel in RW = 3)
    out(0x43, static_cast<u8>(channel << 6));
    const u8 lo = in(static_cast<u16>(0x40 + channel));
    return static_cast<u16>(lo | in(static_cast<u16>(0x40 + channel)) << 8);
  }
  void program(u8 channel, u8 control, u16 count) {
    out(0x43, control);
    out(static_cast<u16>(0x40 + channel), static_cast<u8>(count));
    out(static_cast<u16>(0x40 + channel), static_cast<u8>(count >> 8));
  }
  bool out2() { return in(0x61) & 0x20; }
};

TEST(Pit8254, GivenLinuxTscCalibrationWhenMode0RunsOnChannel2ThenOut2RisesAfterExactlyNPlus1Clocks) {
  PitRig r;
  r.out(0x61, static_cast<u8>((r.in(0x61) & ~0x02) | 0x01));  // gate 2 on, speaker off
  r.program(2, 0xB0, 11932);                                   // channel 2, LSB then MSB, mode 0, binary
  EXPECT_FALSE(r.out2());
  r.advance_pulses(1);  // the load pulse
  EXPECT_EQ(r.latch_and_read(2), 11932u);
  r.advance_pulses(11931);  // CE reaches 1
  EXPECT_EQ(r.latch_and_read(2), 1u);
  EXPECT_FALSE(r.out2());
  r.clock.now += 2;  // one TSC tick short of the terminal count
  EXPECT_FALSE(r.out2());
  r.clock.now += 1;
  EXPECT_TRUE(r.out2());
  EXPECT_EQ(r.latch_and_read(2), 0u);
  r.advance_pulses(1);
  EXPECT_EQ(r.latch_and_read(2), 0xFFFFu);  // keeps counting down past zero
  EXPECT_TRUE(r.out2());
}

TEST(Pit8254, GivenAnOddTscFrequencyWhenTheTerminalCountIsNearThenOutRisesAtTheRoundedUpTsc) {
  PitRig r;
  r.clock.hz = 2'500'000'000;
  r.out(0x61, 0x01);
  const u64 start = r.clock.now;
  r.program(2, 0xB0, 100);
  // Pulse 101 comes 101 * 2.5e9 / 1193182 = 211619.015 TSC ticks after the write.
  r.clock.now = start + 211619;
  EXPECT_FALSE(r.out2());
  r.clock.now = start + 211620;
  EXPECT_TRUE(r.out2());
  r.clock.now = start;
  r.program(0, 0x30, 100);  // the same count on channel 0: its IRQ deadline is that first TSC
  EXPECT_EQ(r.pit.next_irq_deadline_tsc(), start + 211620);
}

TEST(Pit8254, GivenChannel2GateLowWhenCountingInMode0ThenItPausesAndResumes) {
  PitRig r;
  r.program(2, 0xB0, 10);
  r.advance_pulses(50);
  EXPECT_FALSE(r.out2());  // gate low since reset: nothing counted
  EXPECT_EQ(r.in(0x61) & 0x01, 0);
  r.out(0x61, 0x01);
  r.advance_pulses(6);
  r.out(0x61, 0x00);
  r.advance_pulses(100);
  EXPECT_EQ(r.latch_and_read(2), 5u);  // loaded, then 5 decrements
  r.out(0x61, 0x01);
  r.advance_pulses(5);
  EXPECT_TRUE(r.out2());
}

TEST(Pit8254, GivenALatchedCountWhenTheClockMovesThenReadsReturnTheLatchUntilBothBytesAreRead) {
  PitRig r;
  r.program(0, 0x34, 1000);  // mode 2
  r.advance_pulses(11);      // CE = 990
  r.out(0x43, 0x00);
  r.advance_pulses(100);
  r.out(0x43, 0x00);  // a second latch before the read is ignored
  EXPECT_EQ(r.in(0x40), 990 & 0xFF);
  r.advance_pulses(100);
  EXPECT_EQ(r.in(0x40), 990 >> 8);
  EXPECT_EQ(r.latch_and_read(0), 790u);  // the latch is released: live again
}

TEST(Pit8254, GivenReadBackWhenCountAndStatusAreLatchedThenStatusComesFirst) {
  PitRig r;
  r.out(0x43, 0x36);         // channel 0, RW 3, mode 3, binary
  r.out(0x43, 0xE2);         // read-back status only, channel 0
  EXPECT_EQ(r.in(0x40), 0xF6u);  // OUT high, null count, 11 011 0
  r.out(0x40, 0x00);
  r.out(0x40, 0x01);  // N = 256
  r.advance_pulses(1);
  r.out(0x43, 0xC2);  // count and status of channel 0
  EXPECT_EQ(r.in(0x40), 0xB6u);  // loaded: null count clear
  EXPECT_EQ(r.in(0x40), 0x00u);
  EXPECT_EQ(r.in(0x40), 0x01u);  // 256
  r.program(2, 0xB0, 5);  // mode 0, gate low
  r.out(0x43, 0xE8);      // status of channel 2
  EXPECT_EQ(r.in(0x42), 0x70u);  // OUT low, null count, 11 000 0
  r.out(0x43, 0xD8);  // count only: status not latched
  EXPECT_EQ(r.in(0x42), 0x05u);
}

TEST(Pit8254, GivenLsbOnlyAndMsbOnlyAccessWhenWrittenAndReadThenOneByteEach) {
  PitRig r;
  r.out(0x43, 0x10);  // channel 0, LSB only, mode 0
  r.out(0x40, 0x34);
  r.advance_pulses(1);
  EXPECT_EQ(r.in(0x40), 0x34u);
  EXPECT_EQ(r.in(0x40), 0x34u);
  r.out(0x43, 0x20);  // MSB only
  r.out(0x40, 0x12);
  r.advance_pulses(3);  // 0x1200 - 2
  EXPECT_EQ(r.in(0x40), 0x11u);
  r.out(0x43, 0x00);
  EXPECT_EQ(r.in(0x40), 0x11u);
}

TEST(Pit8254, GivenLsbThenMsbWhenOnlyTheFirstByteIsWrittenInMode0ThenCountingStops) {
  PitRig r;
  r.program(0, 0x30, 10);
  r.advance_pulses(20);
  EXPECT_TRUE(r.pit.out(0));
  r.out(0x40, 0x05);  // first byte of a new count
  EXPECT_FALSE(r.pit.out(0));
  r.advance_pulses(100);
  EXPECT_FALSE(r.pit.out(0));
  r.out(0x40, 0x00);  // N = 5
  r.advance_pulses(6);
  EXPECT_TRUE(r.pit.out(0));
}

TEST(Pit8254, GivenMode3WhenTheCountIsOddOrEvenThenOutIsASquareWaveWithTheHighHalfRoundedUp) {
  for (const u16 n : {u16{4}, u16{5}}) {
    SCOPED_TRACE(n);
    PitRig r;
    r.out(0x61, 0x01);
    r.program(2, 0xB6, n);
    std::vector<bool> outs;
    std::vector<u16> counts;
    for (int pulse = 1; pulse <= 2 * n; ++pulse) {
      r.advance_pulses(1);
      outs.push_back(r.out2());
      counts.push_back(r.latch_and_read(2));
    }
    if (n == 4) {
      EXPECT_EQ(outs, (std::vector<bool>{true, true, false, false, true, true, false, false}));
      EXPECT_EQ(counts, (std::vector<u16>{4, 2, 4, 2, 4, 2, 4, 2}));
    } else {
      EXPECT_EQ(outs, (std::vector<bool>{true, true, true, false, false, true, true, true, false, false}));
      EXPECT_EQ(counts, (std::vector<u16>{5, 4, 2, 5, 2, 5, 4, 2, 5, 2}));
    }
  }
}

TEST(Pit8254, GivenMode2WhenCountingThenOutDipsForOnePulsePerPeriodAndGateLowHoldsItHigh) {
  PitRig r;
  r.out(0x61, 0x01);
  r.program(2, 0xB4, 3);
  std::vector<bool> outs;
  for (int pulse = 1; pulse <= 6; ++pulse) {
    r.advance_pulses(1);
    outs.push_back(r.out2());
  }
  EXPECT_EQ(outs, (std::vector<bool>{true, true, false, true, true, false}));
  r.advance_pulses(3);  // pulse 9: CE = 1, OUT low
  EXPECT_FALSE(r.out2());
  r.out(0x61, 0x00);
  EXPECT_TRUE(r.out2());
  r.out(0x61, 0x01);  // the rising gate reloads: a full period again
  r.advance_pulses(2);
  EXPECT_TRUE(r.out2());
  r.advance_pulses(1);
  EXPECT_FALSE(r.out2());
}

TEST(Pit8254, GivenModes1And5OnChannel2WhenTheGateRisesThenTheyTriggerAndMode4StrobesByItself) {
  PitRig r;
  r.program(2, 0xB2, 3);  // mode 1
  r.advance_pulses(10);
  EXPECT_TRUE(r.out2());  // waiting for a trigger
  r.out(0x61, 0x01);
  r.advance_pulses(1);
  EXPECT_FALSE(r.out2());
  r.advance_pulses(2);
  EXPECT_FALSE(r.out2());
  r.advance_pulses(1);
  EXPECT_TRUE(r.out2());

  r.program(2, 0xBA, 3);  // mode 5, gate already high: needs a new rising edge
  r.advance_pulses(10);
  EXPECT_TRUE(r.out2());
  r.out(0x61, 0x00);
  r.out(0x61, 0x01);
  r.advance_pulses(4);
  EXPECT_FALSE(r.out2());
  r.advance_pulses(1);
  EXPECT_TRUE(r.out2());

  r.program(2, 0xB8, 3);  // mode 4
  r.advance_pulses(3);
  EXPECT_TRUE(r.out2());
  r.advance_pulses(1);
  EXPECT_FALSE(r.out2());
  r.advance_pulses(1);
  EXPECT_TRUE(r.out2());
}

TEST(Pit8254, GivenBcdWhenCountingThenTheCountIsDecimalAndReadsBackInBcd) {
  PitRig r;
  r.program(0, 0x31, 0x0100);  // mode 0, BCD: 100
  r.advance_pulses(11);
  EXPECT_EQ(r.latch_and_read(0), 0x0090u);
  r.advance_pulses(90);
  EXPECT_EQ(r.latch_and_read(0), 0x0000u);
  EXPECT_TRUE(r.pit.out(0));
  r.advance_pulses(1);
  EXPECT_EQ(r.latch_and_read(0), 0x9999u);  // wraps at 10000
  r.program(0, 0x31, 0x00AB);  // not BCD: digits count with their weight (A=10, B=11)
  r.advance_pulses(1);
  EXPECT_EQ(r.latch_and_read(0), 0x0111u);
}

TEST(Pit8254, GivenChannel0InMode2WhenPolledThenIrq0PulsesPerElapsedPeriodsAndTheDeadlineMoves) {
  PitRig r;
  EXPECT_EQ(r.pit.next_irq_deadline_tsc(), 0u);  // not programmed
  const u64 start = r.clock.now;
  r.program(0, 0x34, 1193);
  EXPECT_EQ(r.pit.next_irq_deadline_tsc(), start + 3 * 1194);
  EXPECT_EQ(r.pit.poll(start + 3 * 1194 - 1), 0u);
  EXPECT_TRUE(r.irqs.levels.empty());
  EXPECT_EQ(r.pit.poll(start + 3 * 1194), 1u);
  EXPECT_EQ(r.irqs.levels, (std::vector<bool>{true, false}));
  EXPECT_EQ(r.pit.next_irq_deadline_tsc(), start + 3 * (1 + 2 * 1193));
  EXPECT_EQ(r.pit.poll(start + 3 * (1 + 5 * 1193) + 2), 4u);
  EXPECT_EQ(r.irqs.levels.size(), 4u);  // one pulse for the four periods
  EXPECT_EQ(r.pit.next_irq_deadline_tsc(), start + 3 * (1 + 6 * 1193));
  EXPECT_EQ(r.pit.poll(start + 3 * (1 + 5 * 1193) + 2), 0u);
}

TEST(Pit8254, GivenChannel0InMode0WhenPolledThenIrq0FiresOnceAndNoDeadlineRemains) {
  PitRig r;
  const u64 start = r.clock.now;
  r.program(0, 0x30, 100);
  EXPECT_EQ(r.pit.next_irq_deadline_tsc(), start + 3 * 101);
  EXPECT_EQ(r.pit.poll(start + 3 * 500), 1u);
  EXPECT_EQ(r.pit.next_irq_deadline_tsc(), 0u);
  EXPECT_EQ(r.pit.poll(start + 3 * 70000), 0u);  // the CE wrapped; OUT stays high
  EXPECT_EQ(r.irqs.levels.size(), 2u);
  r.out(0x43, 0x30);  // a new control word disarms it
  EXPECT_EQ(r.pit.next_irq_deadline_tsc(), 0u);
}

TEST(Pit8254, GivenPortBWhenReadThenGateSpeakerAndCheckBitsAsWrittenRefreshTogglesAndErrorsClear) {
  PitRig r;
  r.clock.now = 0;
  r.out(0x61, 0xFE);
  EXPECT_EQ(r.in(0x61), 0x0Eu);  // gate 2 low: OUT2 of an unprogrammed mode 0 is low
  r.advance_pulses(18);
  EXPECT_EQ(r.in(0x61), 0x1Eu);  // refresh request toggled after 15.085 us
  r.advance_pulses(18);
  EXPECT_EQ(r.in(0x61), 0x0Eu);
}

TEST(Pit8254, GivenOddAccessesWhenMadeThenDefinedResults) {
  PitRig r;
  EXPECT_EQ(r.in(0x43), 0xFFu);  // write-only control register
  u32 v = 0;
  EXPECT_FALSE(r.pit.io_in(0x44, 1, v));
  EXPECT_FALSE(r.pit.io_out(0x60, 1, 0));
  EXPECT_TRUE(r.pit.io_in(0x61, 2, v));
  EXPECT_EQ(v >> 8, 0xFFu);  // 0x62 is not the PIT's
  r.clock.hz = 0;  // a broken clock: nothing counts, nothing divides by zero
  r.program(0, 0x34, 0);
  r.advance_pulses(1000);
  EXPECT_EQ(r.latch_and_read(0), 0u);
  EXPECT_EQ(r.pit.next_irq_deadline_tsc(), 0u);
  EXPECT_EQ(r.pit.poll(r.clock.now), 0u);
}

}  // namespace
}  // namespace nucleo

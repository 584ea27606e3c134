// SPDX-License-Identifier: MIT
// The virtual MC146818 RTC and CMOS RAM (kernel/virt/devices/cmos_rtc.cpp)
// against a hand-moved 1 GHz guest clock: time and date in BCD and binary,
// 12- and 24-hour, across a leap day; the UIP window; SET and the divider
// freezing the clock and time writes; register C flags and IRQ 8; the NVRAM,
// its memory-size bytes and the index register with the NMI bit.
#include "kernel/virt/devices/cmos_rtc.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace nucleo {
namespace {

constexpr u64 kHz = 1'000'000'000;  // TSC ticks are nanoseconds
constexpr u64 kStart = 5 * kHz;
constexpr i64 kLeapEve = 1709251198;  // 2024-02-29 23:59:58 UTC, a Thursday

struct FakeClock final : GuestClock {
  u64 now = kStart;
  u64 tsc() const override { return now; }
  u64 tsc_hz() const override { return kHz; }
};

struct IrqRecorder final : IrqLines {
  std::vector<std::pair<u32, bool>> log;
  void set_irq(u32 irq, bool level) override { log.emplace_back(irq, level); }
};

struct RtcRig {
  FakeClock clock;
  IrqRecorder irqs;
  CmosRtc rtc;
  explicit RtcRig(i64 unix_seconds = kLeapEve, u64 below_4g = 256 * MiB, u64 above_4g = GiB)
      : rtc(clock, irqs, CmosRtc::Config{unix_seconds, kStart, below_4g, above_4g}) {}
  u8 read(u8 index) {
    EXPECT_TRUE(rtc.io_out(0x70, 1, index));
    u32 v = 0xDEAD;
    EXPECT_TRUE(rtc.io_in(0x71, 1, v));
    return static_cast<u8>(v);
  }
  void write(u8 index, u8 value) {
    EXPECT_TRUE(rtc.io_out(0x70, 1, index));
    EXPECT_TRUE(rtc.io_out(0x71, 1, value));
  }
  std::vector<u8> time() {  // seconds, minutes, hours, weekday, day, month, year, century
    return {read(0x00), read(0x02), read(0x04), read(0x06), read(0x07), read(0x08), read(0x09), read(0x32)};
  }
};

TEST(CmosRtc, GivenTheBaseTimeWhenReadInBcdThenEveryFieldAndTheCenturyMatch) {
  RtcRig r;
  EXPECT_EQ(r.read(0x0B), 0x02u);  // BCD, 24-hour
  EXPECT_EQ(r.time(), (std::vector<u8>{0x58, 0x59, 0x23, 0x05, 0x29, 0x02, 0x24, 0x20}));
}

TEST(CmosRtc, GivenElapsedGuestTimeWhenTheLeapDayEndsThenTheDateRollsToMarchFirst) {
  RtcRig r;
  r.clock.now += 2 * kHz - 1;
  EXPECT_EQ(r.read(0x00), 0x59u);
  r.clock.now += 1;
  EXPECT_EQ(r.time(), (std::vector<u8>{0x00, 0x00, 0x00, 0x06, 0x01, 0x03, 0x24, 0x20}));
}

TEST(CmosRtc, GivenBinaryAnd12HourModesWhenReadThenHoursCarryThePmBit) {
  RtcRig r(1677589500);  // 2023-02-28 13:05:00
  r.write(0x0B, 0x06);   // binary, 24-hour
  EXPECT_EQ(r.time(), (std::vector<u8>{0, 5, 13, 3, 28, 2, 23, 20}));
  r.write(0x0B, 0x04);  // binary, 12-hour
  EXPECT_EQ(r.read(0x04), 0x81u);
  r.write(0x0B, 0x00);  // BCD, 12-hour
  EXPECT_EQ(r.read(0x04), 0x81u);
  r.clock.now += 11 * 3600 * kHz;  // 00:05: 12 AM
  EXPECT_EQ(r.read(0x04), 0x12u);
  r.clock.now += 12 * 3600 * kHz;  // 12:05: 12 PM
  EXPECT_EQ(r.read(0x04), 0x92u);
  r.write(0x0B, 0x80);  // SET, BCD, 12-hour: write 7 PM
  r.write(0x04, 0x87);
  r.write(0x0B, 0x02);
  EXPECT_EQ(r.read(0x04), 0x19u);
}

TEST(CmosRtc, GivenTheLast244MicrosecondsOfASecondWhenRegisterAIsReadThenUipIsSet) {
  RtcRig r;
  EXPECT_EQ(r.read(0x0A), 0x26u);
  r.clock.now = kStart + kHz - 244'001;
  EXPECT_EQ(r.read(0x0A), 0x26u);
  r.clock.now = kStart + kHz - 244'000;
  EXPECT_EQ(r.read(0x0A), 0xA6u);
  r.clock.now = kStart + kHz - 1;
  EXPECT_EQ(r.read(0x0A), 0xA6u);
  EXPECT_EQ(r.read(0x00), 0x58u);  // the update has not happened yet
  r.clock.now = kStart + kHz;
  EXPECT_EQ(r.read(0x0A), 0x26u);
  EXPECT_EQ(r.read(0x00), 0x59u);
  r.write(0x0A, 0xA5);  // UIP is read-only; rate select is writable
  EXPECT_EQ(r.read(0x0A), 0x25u);
}

TEST(CmosRtc, GivenSetWhenTimeIsWrittenThenTheClockHoldsAndResumesFromTheWrittenTime) {
  RtcRig r;
  r.write(0x0B, 0x82);
  r.clock.now = kStart + kHz - 1;  // inside the UIP window, but SET stops updates
  EXPECT_EQ(r.read(0x0A) & 0x80, 0);
  r.clock.now += 10 * kHz;
  EXPECT_EQ(r.read(0x00), 0x58u);
  r.write(0x00, 0x30);
  r.write(0x02, 0x15);
  r.write(0x04, 0x08);
  r.write(0x07, 0x04);
  r.write(0x08, 0x07);
  r.write(0x09, 0x99);
  r.write(0x32, 0x19);
  r.write(0x06, 0x03);  // 1999-07-04 was a Sunday (1), but the register counts on its own
  EXPECT_EQ(r.time(), (std::vector<u8>{0x30, 0x15, 0x08, 0x03, 0x04, 0x07, 0x99, 0x19}));
  r.write(0x0B, 0x02);
  r.clock.now += 86400 * kHz;
  EXPECT_EQ(r.time(), (std::vector<u8>{0x30, 0x15, 0x08, 0x04, 0x05, 0x07, 0x99, 0x19}));
  r.clock.now += 4 * 86400 * kHz;  // wraps from Saturday (7) to Sunday (1)
  EXPECT_EQ(r.read(0x06), 0x01u);
}

TEST(CmosRtc, GivenAWriteWhileRunningWhenTheSecondIsHalfGoneThenThePhaseIsKept) {
  RtcRig r;
  r.clock.now = kStart + kHz / 2;
  r.write(0x02, 0x10);  // minutes
  EXPECT_EQ(r.read(0x00), 0x58u);
  r.clock.now = kStart + kHz - 1;
  EXPECT_EQ(r.read(0x00), 0x58u);
  r.clock.now = kStart + kHz;
  EXPECT_EQ(r.read(0x00), 0x59u);
  EXPECT_EQ(r.read(0x02), 0x10u);
}

TEST(CmosRtc, GivenInvalidTimeWritesWhenSetClearsThenFieldsAreClampedAndDatesNormalised) {
  RtcRig r;
  r.write(0x0B, 0x82);
  r.write(0x00, 0x99);  // 99 seconds: 59
  r.write(0x08, 0x00);  // month 0: 1
  r.write(0x08, 0x02);
  r.write(0x07, 0x31);  // 31 February 2024
  EXPECT_EQ(r.read(0x00), 0x59u);
  EXPECT_EQ(r.read(0x07), 0x31u);  // held as written while SET
  r.write(0x0B, 0x02);
  EXPECT_EQ(r.read(0x07), 0x02u);  // 2 March
  EXPECT_EQ(r.read(0x08), 0x03u);
}

TEST(CmosRtc, GivenTheDividerInResetWhenReleasedThenTheFirstUpdateComesHalfASecondLater) {
  RtcRig r;
  r.write(0x0A, 0x76);
  r.clock.now += 7 * kHz;
  EXPECT_EQ(r.read(0x00), 0x58u);
  r.write(0x0A, 0x26);
  r.clock.now += kHz / 2 - 1;
  EXPECT_EQ(r.read(0x00), 0x58u);
  r.clock.now += 1;
  EXPECT_EQ(r.read(0x00), 0x59u);
}

TEST(CmosRtc, GivenUpdatesAndPeriodicTicksWhenRegisterCIsReadThenFlagsShowAndReadingClearsThem) {
  RtcRig r;
  EXPECT_EQ(r.read(0x0C), 0x00u);
  r.clock.now += kHz / 1024 + 1;  // one 1024 Hz tick
  EXPECT_EQ(r.read(0x0C), 0x40u);  // PF, no IRQF: PIE clear
  r.clock.now = kStart + kHz;
  EXPECT_EQ(r.read(0x0C), 0x50u);  // UF and PF
  EXPECT_EQ(r.read(0x0C), 0x00u);
  r.write(0x0B, 0x12);  // UIE
  r.clock.now += kHz;
  EXPECT_EQ(r.read(0x0C), 0xD0u);  // IRQF | PF | UF
  r.write(0x0A, 0x20);  // no periodic rate
  r.write(0x0C, 0xFF);  // read-only
  r.write(0x0D, 0x00);
  EXPECT_EQ(r.read(0x0D), 0x80u);  // VRT
  r.clock.now += kHz / 2;
  EXPECT_EQ(r.read(0x0C), 0x00u);
}

TEST(CmosRtc, GivenUpdateInterruptsWhenPolledThenIrq8PulsesOnceUntilRegisterCIsRead) {
  RtcRig r;
  EXPECT_EQ(r.rtc.next_irq_deadline_tsc(), 0u);  // nothing enabled
  r.write(0x0A, 0x20);
  r.write(0x0B, 0x12);  // UIE
  EXPECT_EQ(r.rtc.next_irq_deadline_tsc(), kStart + kHz);
  EXPECT_FALSE(r.rtc.poll(kStart + kHz - 1));
  EXPECT_TRUE(r.rtc.poll(kStart + kHz));
  EXPECT_EQ(r.irqs.log, (std::vector<std::pair<u32, bool>>{{8, true}, {8, false}}));
  EXPECT_EQ(r.rtc.next_irq_deadline_tsc(), 0u);
  EXPECT_FALSE(r.rtc.poll(kStart + 3 * kHz));
  r.clock.now = kStart + 3 * kHz;
  EXPECT_EQ(r.read(0x0C), 0x90u);
  EXPECT_EQ(r.rtc.next_irq_deadline_tsc(), kStart + 4 * kHz);
  r.write(0x0A, 0x2F);  // 2 Hz periodic
  r.write(0x0B, 0x42);  // PIE only
  EXPECT_EQ(r.rtc.next_irq_deadline_tsc(), kStart + 3 * kHz + kHz / 2);
}

TEST(CmosRtc, GivenTheNvramWhenEveryByteIsWrittenThenItReadsBackAndTheIndexKeepsSevenBits) {
  RtcRig r;
  for (u8 i = 0x0E; i < 0x80; ++i)
    if (i != CmosRtc::kCenturyRegister) r.write(i, static_cast<u8>(i ^ 0xA5));
  for (u8 i = 0x0E; i < 0x80; ++i)
    if (i != CmosRtc::kCenturyRegister) EXPECT_EQ(r.read(i), i ^ 0xA5) << int{i};
  EXPECT_FALSE(r.rtc.nmi_disabled());
  EXPECT_TRUE(r.rtc.io_out(0x70, 1, 0x8F));  // index 0x0F, NMI off
  EXPECT_TRUE(r.rtc.nmi_disabled());
  u32 v = 0;
  EXPECT_TRUE(r.rtc.io_in(0x71, 1, v));
  EXPECT_EQ(v, 0x0Fu ^ 0xA5u);
  EXPECT_TRUE(r.rtc.io_out(0x70, 2, 0x55FF));  // index 0x7F, then 0x55 into it
  EXPECT_TRUE(r.rtc.nmi_disabled());
  EXPECT_EQ(r.read(0x7F), 0x55u);
  EXPECT_FALSE(r.rtc.nmi_disabled());
  EXPECT_TRUE(r.rtc.io_in(0x70, 1, v));
  EXPECT_EQ(v, 0xFFu);  // the index register is write-only
  EXPECT_FALSE(r.rtc.io_in(0x72, 1, v));
  EXPECT_FALSE(r.rtc.io_out(0x6F, 1, 0));
}

TEST(CmosRtc, GivenGuestRamSizesWhenFirmwareReadsTheCmosThenTheBochsSeaBiosMemoryBytesMatch) {
  RtcRig big(kLeapEve, 256 * MiB, GiB);
  EXPECT_EQ(big.read(0x15) | big.read(0x16) << 8, 640);
  EXPECT_EQ(big.read(0x17) | big.read(0x18) << 8, 0xFFFF);  // capped
  EXPECT_EQ(big.read(0x30) | big.read(0x31) << 8, 0xFFFF);
  EXPECT_EQ(big.read(0x34) | big.read(0x35) << 8, 240 * 16);  // 64 KiB units above 16 MiB
  EXPECT_EQ(big.read(0x5B) | big.read(0x5C) << 8 | big.read(0x5D) << 16, 16384);
  EXPECT_EQ(big.read(0x14), 0x06u);
  EXPECT_EQ(big.read(0x2E) << 8 | big.read(0x2F), 6 + 0x80 + 0x02 + 0xFF + 0xFF);

  RtcRig small(kLeapEve, 2 * MiB, 0);
  EXPECT_EQ(small.read(0x17) | small.read(0x18) << 8, 1024);
  EXPECT_EQ(small.read(0x34) | small.read(0x35) << 8, 0);
  EXPECT_EQ(small.read(0x5B) | small.read(0x5C) << 8 | small.read(0x5D) << 16, 0);

  RtcRig tiny(kLeapEve, 512 * KiB, 0);
  EXPECT_EQ(tiny.read(0x15) | tiny.read(0x16) << 8, 512);
  EXPECT_EQ(tiny.read(0x17) | tiny.read(0x18) << 8, 0);
}

}  // namespace
}  // namespace nucleo

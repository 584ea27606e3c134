// SPDX-License-Identifier: MIT
#include "kernel/time/wall_clock.hpp"

#include "kernel/arch/cpu.hpp"
#include "kernel/arch/io.hpp"

namespace nucleo::clock {

namespace {

u8 cmos(u8 reg) {
  io::out8(0x70, reg);  // bit 7 clear: NMIs stay enabled
  return io::in8(0x71);
}

bool update_in_progress() { return cmos(0x0A) & 0x80; }

}  // namespace

// H. Hinnant's days_from_civil: shift the year to start in March so the
// leap day is the last day, then count eras of 400 years.
i64 days_from_civil(i64 year, u32 month, u32 day) {
  year -= month <= 2 ? 1 : 0;
  const i64 era = (year >= 0 ? year : year - 399) / 400;
  const i64 yoe = year - era * 400;
  const i64 doy = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1;
  const i64 doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

WallClock read_wall_clock() {
  // The registers are consistent outside the update cycle (UIP clear; the
  // cycle lasts under 2 ms): read twice and accept two equal readings.
  u8 r[6] = {}, again[6] = {};
  const u8 regs[6] = {0x00, 0x02, 0x04, 0x07, 0x08, 0x09};
  for (int tries = 0; tries < 1000; ++tries) {
    while (update_in_progress()) cpu::pause();
    for (int i = 0; i < 6; ++i) r[i] = cmos(regs[i]);
    while (update_in_progress()) cpu::pause();
    for (int i = 0; i < 6; ++i) again[i] = cmos(regs[i]);
    bool same = true;
    for (int i = 0; i < 6; ++i) same = same && r[i] == again[i];
    if (same) break;
  }
  const u8 b = cmos(0x0B);
  auto bin = [b](u8 v) -> u32 { return (b & 0x04) ? v : static_cast<u32>((v >> 4) * 10 + (v & 0x0F)); };
  u32 hour = bin(r[2] & 0x7F);
  if (!(b & 0x02) && (r[2] & 0x80)) hour = (hour % 12) + 12;  // 12-hour mode, PM
  else if (!(b & 0x02)) hour %= 12;
  const i64 days = days_from_civil(2000 + bin(r[5]), bin(r[4]), bin(r[3]));
  WallClock w;
  w.unix_seconds = days * 86400 + hour * 3600 + bin(r[1]) * 60 + bin(r[0]);
  w.at_tsc = cpu::rdtsc();
  return w;
}

}  // namespace nucleo::clock

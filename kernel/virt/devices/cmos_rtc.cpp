// SPDX-License-Identifier: MIT
// Register map and bits: Motorola MC146818A data sheet ("Address map",
// registers A-D). CMOS RAM layout: the IBM PC/AT technical reference as
// the Bochs BIOS and SeaBIOS read it (docs/devices.md lists the bytes).
#include "kernel/virt/devices/cmos_rtc.hpp"

#include "kernel/lib/mul_div.hpp"

namespace nucleo {

namespace {

constexpr u8 kRegA = 0x0A, kRegB = 0x0B, kRegC = 0x0C, kRegD = 0x0D;
constexpr u8 kAUip = 0x80, kADivider = 0x70, kADividerNormal = 0x20;  // DV = 010: 32.768 kHz time base
constexpr u8 kBSet = 0x80, kBBinary = 0x04, kB24Hour = 0x02, kBInterruptEnables = 0x70;
constexpr u8 kCIrqf = 0x80, kCPf = 0x40, kCUf = 0x10;
constexpr u8 kDVrt = 0x80;  // valid RAM and time: the battery is fine
constexpr i64 kSecondsPerDay = 86400;

i64 floor_div(i64 a, i64 b) { return a / b - (a % b != 0 && (a < 0) != (b < 0) ? 1 : 0); }
i64 floor_mod(i64 a, i64 b) { return a - floor_div(a, b) * b; }

// Days since 1970-01-01 of a proleptic Gregorian date, counting in 400-year
// eras of 146097 days with years starting on 1 March (so the leap day ends
// the year). Days past the end of a month carry into the next one.
i64 days_from_civil(i64 year, u32 month, u32 day) {
  const i64 y = month <= 2 ? year - 1 : year;
  const i64 era = floor_div(y, 400);
  const i64 year_of_era = y - era * 400;
  const i64 day_of_year = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1;
  const i64 day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
  return era * 146097 + day_of_era - 719468;  // 719468: days from 0000-03-01 to 1970-01-01
}

void civil_from_days(i64 days, i64& year, u8& month, u8& day) {
  const i64 z = days + 719468;
  const i64 era = floor_div(z, 146097);
  const i64 day_of_era = z - era * 146097;
  const i64 year_of_era = (day_of_era - day_of_era / 1460 + day_of_era / 36524 - day_of_era / 146096) / 365;
  const i64 day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
  const i64 shifted_month = (5 * day_of_year + 2) / 153;  // 0 = March
  day = static_cast<u8>(day_of_year - (153 * shifted_month + 2) / 5 + 1);
  month = static_cast<u8>(shifted_month < 10 ? shifted_month + 3 : shifted_month - 9);
  year = year_of_era + era * 400 + (month <= 2 ? 1 : 0);
}

u8 natural_weekday(i64 days) { return static_cast<u8>(floor_mod(days + 4, 7)); }  // 0 = Sunday; 1970-01-01 was a Thursday

u8 clamp8(u32 v, u8 lo, u8 hi) { return static_cast<u8>(v < lo ? lo : v > hi ? hi : v); }

}  // namespace

CmosRtc::CmosRtc(const GuestClock& clock, IrqLines& irqs, const Config& config)
    : clock_(clock), irqs_(irqs), base_seconds_(config.unix_seconds), base_tsc_(config.at_tsc) {
  cmos_[kRegA] = 0x26;  // normal time base, 1024 Hz periodic rate: what PC firmware programs
  cmos_[kRegB] = kB24Hour;  // BCD, 24-hour, no interrupts
  fill_memory_bytes(config.ram_below_4g, config.ram_above_4g);
  flags_seen_tsc_ = clock_.tsc();
}

// The PC/AT CMOS RAM map as the Bochs BIOS and SeaBIOS read it.
void CmosRtc::fill_memory_bytes(u64 below_4g, u64 above_4g) {
  cmos_[0x10] = 0;     // no floppy drives
  cmos_[0x12] = 0;     // no AT hard disks
  cmos_[0x14] = 0x06;  // equipment: maths coprocessor, PS/2 mouse, no floppies, EGA/VGA display
  const u64 base_kib = min<u64>(below_4g / KiB, 640);
  cmos_[0x15] = static_cast<u8>(base_kib);
  cmos_[0x16] = static_cast<u8>(base_kib >> 8);
  const u64 extended_kib = below_4g > MiB ? min<u64>((below_4g - MiB) / KiB, 0xFFFF) : 0;  // above 1 MiB
  cmos_[0x17] = cmos_[0x30] = static_cast<u8>(extended_kib);
  cmos_[0x18] = cmos_[0x31] = static_cast<u8>(extended_kib >> 8);
  const u64 above_16m = below_4g > 16 * MiB ? min<u64>((below_4g - 16 * MiB) / (64 * KiB), 0xFFFF) : 0;
  cmos_[0x34] = static_cast<u8>(above_16m);
  cmos_[0x35] = static_cast<u8>(above_16m >> 8);
  const u64 above_4g_units = min<u64>(above_4g / (64 * KiB), 0xFFFFFF);
  cmos_[0x5B] = static_cast<u8>(above_4g_units);
  cmos_[0x5C] = static_cast<u8>(above_4g_units >> 8);
  cmos_[0x5D] = static_cast<u8>(above_4g_units >> 16);
  u32 sum = 0;  // the AT checksum over 0x10-0x2D, big-endian at 0x2E/0x2F
  for (u32 i = 0x10; i <= 0x2D; ++i) sum += cmos_[i];
  cmos_[0x2E] = static_cast<u8>(sum >> 8);
  cmos_[0x2F] = static_cast<u8>(sum);
}

bool CmosRtc::running() const {
  return (cmos_[kRegA] & kADivider) == kADividerNormal && !(cmos_[kRegB] & kBSet);
}

i64 CmosRtc::seconds_at(u64 now) const {
  const u64 hz = clock_.tsc_hz();
  if (hz == 0 || now <= base_tsc_) return base_seconds_;
  return base_seconds_ + static_cast<i64>((now - base_tsc_) / hz);
}

u64 CmosRtc::fraction_at(u64 now) const {
  const u64 hz = clock_.tsc_hz();
  if (hz == 0 || now <= base_tsc_) return 0;
  return (now - base_tsc_) % hz;
}

CmosRtc::DateTime CmosRtc::time_at(u64 now) const {
  if (!running()) return held_;
  const i64 s = seconds_at(now);
  const i64 days = floor_div(s, kSecondsPerDay);
  const i64 second_of_day = s - days * kSecondsPerDay;
  DateTime t = {};
  civil_from_days(days, t.year, t.month, t.day);
  t.hour = static_cast<u8>(second_of_day / 3600);
  t.minute = static_cast<u8>(second_of_day / 60 % 60);
  t.second = static_cast<u8>(second_of_day % 60);
  t.weekday = static_cast<u8>(floor_mod(natural_weekday(days) + weekday_offset_, 7) + 1);
  return t;
}

void CmosRtc::freeze(u64 now) { held_ = time_at(now); }

// Restart counting from held_ (normalised: a 31st of a 30-day month is the
// 1st of the next) with the second beginning at origin_tsc.
void CmosRtc::thaw(u64 origin_tsc) {
  const i64 days = days_from_civil(held_.year, held_.month, held_.day);
  base_seconds_ = days * kSecondsPerDay + held_.hour * 3600 + held_.minute * 60 + held_.second;
  base_tsc_ = origin_tsc;
  weekday_offset_ = static_cast<i32>(floor_mod(held_.weekday - 1 - natural_weekday(days), 7));
}

u8 CmosRtc::encode(u32 value) const {
  if (cmos_[kRegB] & kBBinary) return static_cast<u8>(value);
  return static_cast<u8>((value / 10 % 10) << 4 | value % 10);
}

u32 CmosRtc::decode(u8 value) const {
  if (cmos_[kRegB] & kBBinary) return value;
  return (value >> 4) * 10u + (value & 0x0Fu);  // invalid BCD digits count with their binary weight
}

u8 CmosRtc::read_time(u8 index, u64 now) const {
  const DateTime t = time_at(now);
  switch (index) {
    case 0x00: return encode(t.second);
    case 0x02: return encode(t.minute);
    case 0x04: {
      if (cmos_[kRegB] & kB24Hour) return encode(t.hour);
      const u32 h12 = t.hour % 12 == 0 ? 12 : t.hour % 12;
      return static_cast<u8>(encode(h12) | (t.hour >= 12 ? 0x80 : 0));  // bit 7: PM
    }
    case 0x06: return encode(t.weekday);
    case 0x07: return encode(t.day);
    case 0x08: return encode(t.month);
    case 0x09: return encode(static_cast<u32>(floor_mod(t.year, 100)));
    default: {  // century
      const i64 century = floor_div(t.year, 100);
      return encode(static_cast<u32>(century < 0 ? 0 : century > 99 ? 99 : century));
    }
  }
}

// The data sheet expects time to be written with SET = 1; a write while
// the clock runs is applied at once and keeps the current second's phase.
void CmosRtc::write_time(u8 index, u8 value, u64 now) {
  collect_flags(now);
  const bool was_running = running();
  const u64 fraction = was_running ? fraction_at(now) : 0;
  if (was_running) freeze(now);
  DateTime& t = held_;
  const i64 year_in_century = floor_mod(t.year, 100);
  switch (index) {
    case 0x00: t.second = clamp8(decode(value), 0, 59); break;
    case 0x02: t.minute = clamp8(decode(value), 0, 59); break;
    case 0x04:
      if (cmos_[kRegB] & kB24Hour) {
        t.hour = clamp8(decode(value), 0, 23);
      } else {
        t.hour = static_cast<u8>(clamp8(decode(value & 0x7F), 1, 12) % 12 + (value & 0x80 ? 12 : 0));
      }
      break;
    case 0x06: t.weekday = clamp8(decode(value), 1, 7); break;
    case 0x07: t.day = clamp8(decode(value), 1, 31); break;
    case 0x08: t.month = clamp8(decode(value), 1, 12); break;
    case 0x09: t.year = (t.year - year_in_century) + clamp8(decode(value), 0, 99); break;
    default: t.year = clamp8(decode(value), 0, 99) * 100 + year_in_century; break;  // century
  }
  if (was_running) thaw(now - fraction);
}

bool CmosRtc::update_in_progress(u64 now) const {
  // UIP is set 244 us before each update (data sheet, "Update cycle"); the
  // update itself is instantaneous here.
  const u64 hz = clock_.tsc_hz();
  if (!running() || hz == 0) return false;
  return hz - fraction_at(now) <= mul_div(hz, 244, 1000000);
}

// Register A rate select with the 32.768 kHz time base: 0 none, 1 and 2
// are 256 and 128 Hz, 3-15 are 8192 Hz down to 2 Hz.
u64 CmosRtc::periodic_hz() const {
  const u8 rs = cmos_[kRegA] & 0x0F;
  if (rs == 0 || (cmos_[kRegA] & kADivider) != kADividerNormal) return 0;
  if (rs <= 2) return 512u >> rs;
  return 32768u >> (rs - 1);
}

void CmosRtc::collect_flags(u64 now) {
  if (now <= flags_seen_tsc_) return;
  const u64 hz = clock_.tsc_hz();
  if (running() && seconds_at(now) > seconds_at(flags_seen_tsc_)) flags_ |= kCUf;
  const u64 rate = periodic_hz();
  if (rate && hz && mul_div(now, rate, hz) > mul_div(flags_seen_tsc_, rate, hz)) flags_ |= kCPf;
  flags_seen_tsc_ = now;
}

bool CmosRtc::poll(u64 now_tsc) {
  collect_flags(now_tsc);
  if (irq_raised_ || !(flags_ & cmos_[kRegB] & kBInterruptEnables)) return false;
  irq_raised_ = true;
  irqs_.pulse(kIrq);
  return true;
}

u64 CmosRtc::next_irq_deadline_tsc() const {
  if (irq_raised_) return 0;  // IRQF stays set until register C is read
  const u8 enabled = cmos_[kRegB] & kBInterruptEnables;
  if (flags_ & enabled) return flags_seen_tsc_ ? flags_seen_tsc_ : 1;  // already due
  const u64 hz = clock_.tsc_hz();
  if (hz == 0) return 0;
  u64 next = 0;
  if ((enabled & kCUf) && running()) {
    const u64 from = flags_seen_tsc_ > base_tsc_ ? flags_seen_tsc_ - base_tsc_ : 0;
    next = base_tsc_ + (from / hz + 1) * hz;
  }
  const u64 rate = periodic_hz();
  if ((enabled & kCPf) && rate) {
    const u64 tick = mul_div(flags_seen_tsc_, rate, hz) + 1;
    const u64 t = mul_div_inverse(tick, rate, hz);  // closed form: no loop a guest's rate could stretch
    if (next == 0 || t < next) next = t;
  }
  return next;
}

u8 CmosRtc::read_register(u8 index, u64 now) {
  switch (index) {
    case 0x00: case 0x02: case 0x04: case 0x06: case 0x07: case 0x08: case 0x09: case kCenturyRegister:
      return read_time(index, now);
    case kRegA: return static_cast<u8>((cmos_[kRegA] & ~kAUip) | (update_in_progress(now) ? kAUip : 0));
    case kRegC: {
      collect_flags(now);
      const u8 value = static_cast<u8>(flags_ | (flags_ & cmos_[kRegB] & kBInterruptEnables ? kCIrqf : 0));
      flags_ = 0;  // reading clears every flag
      irq_raised_ = false;
      return value;
    }
    case kRegD: return kDVrt;
    default: return cmos_[index];
  }
}

void CmosRtc::write_register(u8 index, u8 value, u64 now) {
  switch (index) {
    case 0x00: case 0x02: case 0x04: case 0x06: case 0x07: case 0x08: case 0x09: case kCenturyRegister:
      write_time(index, value, now);
      return;
    case kRegA:
    case kRegB: {
      collect_flags(now);
      const bool was_running = running();
      const bool divider_was_reset = (cmos_[kRegA] & 0x60) == 0x60;  // DV = 11x holds the chain in reset
      if (was_running) freeze(now);
      cmos_[index] = index == kRegA ? value & 0x7F : value;
      if (!was_running && running()) {
        // Leaving divider reset, the first update comes 500 ms later; SET
        // cleared, counting resumes from the written time now.
        const u64 half = clock_.tsc_hz() / 2;
        thaw(index == kRegA && divider_was_reset ? (now > half ? now - half : 0) : now);
      }
      return;
    }
    case kRegC:
    case kRegD: return;  // read-only
    default: cmos_[index] = value; return;
  }
}

bool CmosRtc::io_in(u16 port, u8 size, u32& value) {
  if (port != kIndexPort && port != kDataPort) return false;
  const u64 now = clock_.tsc();
  value = 0;
  for (u8 i = 0; i < size && i < 4; ++i) {
    const u16 p = static_cast<u16>(port + i);
    // The index register is write-only on a PC: reads of 0x70 float.
    const u8 byte = p == kDataPort ? read_register(index_, now) : 0xFF;
    value |= static_cast<u32>(byte) << (8 * i);
  }
  return true;
}

bool CmosRtc::io_out(u16 port, u8 size, u32 value) {
  if (port != kIndexPort && port != kDataPort) return false;
  const u64 now = clock_.tsc();
  for (u8 i = 0; i < size && i < 4; ++i) {
    const u16 p = static_cast<u16>(port + i);
    const u8 byte = static_cast<u8>(value >> (8 * i));
    if (p == kIndexPort) {
      index_ = byte & 0x7F;
      nmi_disabled_ = byte & 0x80;
    } else if (p == kDataPort) {
      write_register(index_, byte, now);
    }
  }
  return true;
}

}  // namespace nucleo

/* SPDX-License-Identifier: MIT */
/* The MC146818 RTC through the CMOS index/data ports 0x70/0x71: wait until
 * register A's update-in-progress bit is clear, read the time, read again
 * until two reads agree (an update may start between the check and the
 * reads), decode BCD or binary and 12/24-hour per register B (MC146818 data
 * sheet: register B bit 2 DM = binary, bit 1 = 24-hour; hour bit 7 = PM). */
#include "pc.h"

enum { CMOS_INDEX = 0x70, CMOS_DATA = 0x71 };
enum { SEC = 0x00, MIN = 0x02, HOUR = 0x04, DAY = 0x07, MONTH = 0x08, YEAR = 0x09, REG_A = 0x0A, REG_B = 0x0B,
       CENTURY = 0x32 };
enum { A_UIP = 0x80, B_24H = 0x02, B_BINARY = 0x04, HOUR_PM = 0x80, MAX_UIP_POLLS = 1000000 };

struct rtc_time {
  u8 sec, min, hour, day, month, year, century;
};

static u8 cmos(u8 reg) {
  outb(CMOS_INDEX, reg); /* bit 7 clear: NMIs stay enabled */
  return inb(CMOS_DATA);
}

static bool read_raw(struct rtc_time* t) {
  u32 polls = 0;
  while (cmos(REG_A) & A_UIP)
    if (++polls == MAX_UIP_POLLS) return false;
  t->sec = cmos(SEC), t->min = cmos(MIN), t->hour = cmos(HOUR);
  t->day = cmos(DAY), t->month = cmos(MONTH), t->year = cmos(YEAR), t->century = cmos(CENTURY);
  return true;
}

static bool bcd_ok(u8 v) { return (v & 0x0f) < 10 && (v >> 4) < 10; }
static u8 from_bcd(u8 v) { return (u8)((v >> 4) * 10 + (v & 0x0f)); }

void check_rtc(void) {
  struct rtc_time t, again;
  u32 tries = 0;
  do {
    if (!read_raw(&t) || !read_raw(&again)) {
      check_fail(CHECK_RTC, "register A's update-in-progress bit never cleared");
      return;
    }
  } while (!mem_eq(&t, &again, sizeof t) && ++tries < 5);
  u8 b = cmos(REG_B);
  bool binary = b & B_BINARY, h24 = b & B_24H;
  bool pm = !h24 && (t.hour & HOUR_PM);
  t.hour &= (u8)~HOUR_PM;
  if (!binary) {
    u8* f[] = {&t.sec, &t.min, &t.hour, &t.day, &t.month, &t.year, &t.century};
    for (u32 i = 0; i < sizeof f / sizeof f[0]; ++i) {
      if (!bcd_ok(*f[i])) {
        check_fail(CHECK_RTC, "field %u is %x, not BCD (register B %x)", i, *f[i], b);
        return;
      }
      *f[i] = from_bcd(*f[i]);
    }
  }
  if (!h24) {
    if (t.hour < 1 || t.hour > 12) {
      check_fail(CHECK_RTC, "12-hour clock reads hour %u", t.hour);
      return;
    }
    t.hour = (u8)(t.hour % 12 + (pm ? 12 : 0));
  }
  if (t.sec > 59 || t.min > 59 || t.hour > 23 || t.day < 1 || t.day > 31 || t.month < 1 || t.month > 12 ||
      t.year > 99) {
    check_fail(CHECK_RTC, "out of range: %u-%u-%u %u:%u:%u", t.year, t.month, t.day, t.hour, t.min, t.sec);
    return;
  }
  u32 century = t.century >= 19 && t.century <= 21 ? t.century : 20;
  check_ok(CHECK_RTC, "%u-%c%c-%c%c %c%c:%c%c:%c%c (%s, %s, register B %x)", century * 100 + t.year,
           '0' + t.month / 10, '0' + t.month % 10, '0' + t.day / 10, '0' + t.day % 10, '0' + t.hour / 10,
           '0' + t.hour % 10, '0' + t.min / 10, '0' + t.min % 10, '0' + t.sec / 10, '0' + t.sec % 10,
           binary ? "binary" : "BCD", h24 ? "24-hour" : "12-hour", b);
}

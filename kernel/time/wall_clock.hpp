// SPDX-License-Identifier: MIT
// The machine's wall-clock time, read once from its CMOS real-time clock
// (MC146818 registers 0x00-0x09, 0x0B; the century assumed to be 20xx),
// for the VMs' virtual RTCs and the TIME hypercall. Kernel-only.
#pragma once

#include "kernel/lib/types.hpp"

namespace nucleo::clock {

// Seconds since 1970-01-01 00:00 UTC (the CMOS clock is taken to be UTC),
// and the TSC when it was read. 0 if the RTC never left its update cycle.
struct WallClock {
  i64 unix_seconds = 0;
  u64 at_tsc = 0;
};
WallClock read_wall_clock();

// Days since 1970-01-01 of a proleptic Gregorian date (pure).
i64 days_from_civil(i64 year, u32 month, u32 day);

}  // namespace nucleo::clock

// SPDX-License-Identifier: MIT
// Time on the boot path: the TSC, calibrated once against a known clock, and
// the LAPIC timer's rate. Measured against the ACPI PM timer, else the PIT;
// CPUID 0x15 replaces the measurement when it agrees with it (it is exact);
// CPUID 0x16 (nominal MHz) only when nothing could be measured.
#pragma once

#include "kernel/lib/types.hpp"

namespace nucleo::clock {

enum class Source : u8 { none, cpuid15, pm_timer, pit, cpuid16 };
const char* source_name(Source s);

struct Calibration {
  u64 tsc_hz = 0;
  u64 lapic_timer_hz = 0;  // at divide-by-1
  Source source = Source::none;
  u64 cpuid15_disagreed_hz = 0;  // CPUID 0x15's claim, when the measurement refuted it
};

// Remembers the TSC at kernel entry: the zero of ns_since_boot().
void mark_boot();

// pm_timer_port: FADT PM_TMR_BLK (0 if none).
void calibrate(u32 pm_timer_port, bool pm_timer_32bit);
const Calibration& calibration();

u64 tsc_hz();
u64 ns_since_boot();
void delay_us(u64 us);

}  // namespace nucleo::clock

// SPDX-License-Identifier: MIT
// Arithmetic of clock calibration, kept pure so it is host-tested: counter
// deltas across wrap-around and frequencies from a reference interval.
#pragma once

#include "kernel/lib/mul_div.hpp"

namespace nucleo::timecal {

constexpr u64 kPmTimerHz = 3579545;  // ACPI PM timer (ACPI 6.5, 4.8.3.3)
constexpr u64 kPitHz = 1193182;      // 8254 input clock

// ACPI PM timer delta; the counter is 24 bits unless FADT TMR_VAL_EXT.
constexpr u64 pm_timer_delta(u32 start, u32 end, bool counter_32bit) {
  const u32 mask = counter_32bit ? 0xFFFFFFFFu : 0x00FFFFFFu;
  return static_cast<u64>((end - start) & mask);
}

// Frequency of a counter that advanced `ticks` while a reference clock of
// ref_hz advanced ref_ticks. 0 when the reference did not move.
inline u64 frequency(u64 ticks, u64 ref_ticks, u64 ref_hz) {
  if (ref_ticks == 0) return 0;
  return mul_div(ticks, ref_hz, ref_ticks);
}

// CPUID leaf 0x15 (SDM Vol. 2A, CPUID): TSC = crystal * EBX / EAX. 0 when
// the leaf does not enumerate it.
constexpr u64 tsc_from_cpuid15(u32 eax_denominator, u32 ebx_numerator, u32 ecx_crystal_hz) {
  if (eax_denominator == 0 || ebx_numerator == 0 || ecx_crystal_hz == 0) return 0;
  return static_cast<u64>(ecx_crystal_hz) * ebx_numerator / eax_denominator;
}

}  // namespace nucleo::timecal

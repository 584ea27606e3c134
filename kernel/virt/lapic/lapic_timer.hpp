// SPDX-License-Identifier: MIT
// The local APIC timer (SDM Vol. 3A 11.5.4): one-shot, periodic and
// TSC-deadline modes, derived from the guest TSC instead of ticking. A
// running count is a TSC deadline plus the length of one full period in
// TSC ticks; the current count is interpolated from the time left, so it
// falls from the initial count at the start to 0 exactly at the deadline.
// Periodic expiries advance the deadline by whole periods (never "now +
// period"), so late polling does not drift the guest's timebase. Pure.
#pragma once

#include "kernel/lib/types.hpp"
#include "kernel/virt/lapic/lapic_regs.hpp"

namespace nucleo {

using vlapic::TimerMode;

class LapicTimer {
 public:
  // timer_hz: the rate of the APIC timer clock before the divider (the
  // "bus clock"); 0 = the guest TSC rate.
  explicit LapicTimer(u64 timer_hz = 0) : timer_hz_(timer_hz) {}

  void reset();

  // One-shot and periodic: a write of the initial count (0 stops).
  void start(u64 now, u64 tsc_hz, u32 initial, u32 divisor);
  void stop() { armed_ = false; }
  // A new divide configuration while counting: the counts left in this
  // period continue at the new rate.
  void set_divisor(u64 now, u64 tsc_hz, TimerMode mode, u32 divisor);
  u32 current_count(u64 now, TimerMode mode) const;

  // TSC-deadline mode: IA32_TSC_DEADLINE (0 disarms).
  void set_tsc_deadline(u64 value) { tsc_deadline_ = value; }
  u64 tsc_deadline() const { return tsc_deadline_; }

  // The guest TSC at which the timer next expires in `mode`, or 0.
  u64 next_expiry(TimerMode mode) const;
  // True when the timer expired at or before `now` (once per expiry; a
  // periodic timer that missed several periods reports one, as the single
  // IRR bit would hold them).
  bool expire(u64 now, TimerMode mode);

  u64 period_ticks() const { return period_; }

 private:
  u64 ticks_for(u64 tsc_hz, u64 counts, u32 divisor) const;

  u64 timer_hz_;
  bool armed_ = false;
  u32 initial_ = 0;
  u64 period_ = 0;    // TSC ticks for `initial_` counts at the current divisor
  u64 deadline_ = 0;  // end of the current period
  u64 tsc_deadline_ = 0;
};

}  // namespace nucleo

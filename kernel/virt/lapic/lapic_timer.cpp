// SPDX-License-Identifier: MIT
#include "kernel/virt/lapic/lapic_timer.hpp"

#include "kernel/lib/mul_div.hpp"

namespace nucleo {

void LapicTimer::reset() {
  armed_ = false;
  initial_ = 0;
  period_ = 0;
  deadline_ = 0;
  tsc_deadline_ = 0;
}

// TSC ticks for `counts` timer counts: counts * divisor timer clocks at
// timer_hz (tsc_hz when 0). At least 1, so a deadline always lies ahead.
u64 LapicTimer::ticks_for(u64 tsc_hz, u64 counts, u32 divisor) const {
  const u64 hz = timer_hz_ != 0 ? timer_hz_ : tsc_hz;
  const u64 ticks = mul_div(counts * divisor, tsc_hz, hz);  // counts < 2^32, divisor <= 128: no overflow
  return ticks != 0 ? ticks : 1;
}

void LapicTimer::start(u64 now, u64 tsc_hz, u32 initial, u32 divisor) {
  if (initial == 0) {
    armed_ = false;  // 11.5.4: writing 0 to the initial count stops the timer
    return;
  }
  initial_ = initial;
  period_ = ticks_for(tsc_hz, initial, divisor);
  deadline_ = now + period_;
  armed_ = true;
}

u32 LapicTimer::current_count(u64 now, TimerMode mode) const {
  if (!armed_ || mode == TimerMode::tsc_deadline) return 0;
  u64 end = deadline_;
  if (now >= end) {
    if (mode != TimerMode::periodic) return 0;  // one-shot: stays at 0 after it reached 0
    end += ((now - end) / period_ + 1) * period_;  // periodic: reloaded, counting again
  }
  return static_cast<u32>(mul_div(end - now, initial_, period_));
}

void LapicTimer::set_divisor(u64 now, u64 tsc_hz, TimerMode mode, u32 divisor) {
  if (!armed_ || mode == TimerMode::tsc_deadline) return;
  const u32 left = current_count(now, mode);
  period_ = ticks_for(tsc_hz, initial_, divisor);
  if (left != 0) deadline_ = now + ticks_for(tsc_hz, left, divisor);
}

u64 LapicTimer::next_expiry(TimerMode mode) const {
  if (mode == TimerMode::tsc_deadline) return tsc_deadline_;
  return armed_ ? deadline_ : 0;
}

bool LapicTimer::expire(u64 now, TimerMode mode) {
  if (mode == TimerMode::tsc_deadline) {
    if (tsc_deadline_ == 0 || now < tsc_deadline_) return false;
    tsc_deadline_ = 0;  // 11.5.4.1: the MSR reads 0 once the timer fired
    return true;
  }
  if (!armed_ || now < deadline_) return false;
  if (mode == TimerMode::periodic) {
    deadline_ += ((now - deadline_) / period_ + 1) * period_;
  } else {
    armed_ = false;
  }
  return true;
}

}  // namespace nucleo

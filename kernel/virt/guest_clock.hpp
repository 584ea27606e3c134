// SPDX-License-Identifier: MIT
// The time a VM's device models see: the guest's TSC (host TSC plus the
// VM's offset) and its frequency. Models derive their counters from it on
// demand (a PIT count, an RTC second, a LAPIC timer) instead of ticking, so
// an idle device costs nothing. The kernel binds RDTSC; host tests bind a
// clock they move by hand.
#pragma once

#include "kernel/lib/types.hpp"

namespace nucleo {

class GuestClock {
 public:
  virtual u64 tsc() const = 0;
  virtual u64 tsc_hz() const = 0;

 protected:
  ~GuestClock() = default;
};

}  // namespace nucleo

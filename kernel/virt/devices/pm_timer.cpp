// SPDX-License-Identifier: MIT
#include "kernel/virt/devices/pm_timer.hpp"

#include "kernel/lib/mul_div.hpp"

namespace nucleo {

u32 PmTimer::count() const {
  const u64 hz = clock_.tsc_hz();
  if (hz == 0) return 0;  // an uncalibrated clock: a stopped timer, not mul_div's saturation
  // tsc * kHz / hz keeps full precision (128-bit product); the counter is
  // the low 24 bits, so it wraps every 2^24 / kHz = 4.687 s like the chip.
  return static_cast<u32>(mul_div(clock_.tsc(), kHz, hz) & kCounterMask);
}

bool PmTimer::io_in(u16 port, u8, u32& value) {
  if (port < port_ || port - port_ >= kLength) return false;
  value = count() >> (8 * (port - port_));  // the bus masks it to the access size
  return true;
}

bool PmTimer::io_out(u16 port, u8, u32) { return port >= port_ && port - port_ < kLength; }

}  // namespace nucleo

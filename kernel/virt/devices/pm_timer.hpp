// SPDX-License-Identifier: MIT
// The ACPI power-management timer (ACPI 6.5, 4.8.3.3): a free-running 24-bit
// counter at 3.579545 MHz in a read-only 32-bit I/O register, PM_TMR_BLK of
// the FADT. Guests calibrate their clocks against it (nucleo itself does).
// The count is derived from the GuestClock on each read, so it costs nothing
// while nobody looks and stays exact however rarely it is read.
#pragma once

#include "kernel/virt/guest_clock.hpp"
#include "kernel/virt/io_bus.hpp"

namespace nucleo {

class PmTimer final : public IoDevice {
 public:
  static constexpr u64 kHz = 3579545;              // ACPI 6.5, 4.8.3.3
  static constexpr u32 kCounterMask = 0x00FFFFFF;  // 24 bits: FADT TMR_VAL_EXT stays clear
  // PMBASE 0x600 + 8, where QEMU's q35 (ICH9 LPC) puts PM1_TMR.
  static constexpr u16 kDefaultPort = 0x608;
  static constexpr u16 kLength = 4;  // FADT PM_TMR_LEN

  PmTimer(const GuestClock& clock, u16 port) : clock_(clock), port_(port) {}

  u16 port() const { return port_; }
  // The counter now: guest TSC ticks scaled to 3.579545 MHz, modulo 2^24.
  u32 count() const;

  // Reads of 1, 2 or 4 bytes anywhere in [port, port + 3] return those
  // bytes of the counter; writes are accepted and have no effect (the
  // register is read-only).
  bool io_in(u16 port, u8 size, u32& value) override;
  bool io_out(u16 port, u8 size, u32 value) override;

 private:
  const GuestClock& clock_;
  u16 port_;
};

}  // namespace nucleo

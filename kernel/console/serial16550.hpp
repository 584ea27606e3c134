// SPDX-License-Identifier: MIT
// 16550 UART driver (polled transmit), e.g. COM1 at 0x3F8.
#pragma once

#include "kernel/console/console.hpp"

namespace nucleo::console {

class Serial16550 final : public Device {
 public:
  explicit constexpr Serial16550(u16 base) : base_(base) {}
  // Detects the UART (scratch register and loopback test) and programs
  // 115200 8N1 with FIFOs. False when nothing answers at `base`.
  bool probe_and_init();
  void write(Str text) override;
  Str name() const override { return "serial 0x3f8"; }
  void flush() override;

 private:
  void put(char c);
  u16 base_;
};

}  // namespace nucleo::console

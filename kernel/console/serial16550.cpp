// SPDX-License-Identifier: MIT
// Register layout: PC16550D data sheet (National Semiconductor), table 2.
#include "kernel/console/serial16550.hpp"

#include "kernel/arch/io.hpp"

namespace nucleo::console {

namespace {
constexpr u16 kThr = 0, kIer = 1, kFcr = 2, kLcr = 3, kMcr = 4, kLsr = 5, kScratch = 7;
constexpr u8 kLsrThrEmpty = 0x20;
constexpr u8 kLsrTransmitterEmpty = 0x40;  // holding and shift register empty
constexpr u8 kLcrDlab = 0x80;
constexpr u8 kMcrLoopback = 0x10;
// Transmit polling is bounded: a UART that stops answering drops characters
// instead of hanging the hypervisor.
constexpr u32 kTxSpins = 100000;
}  // namespace

bool Serial16550::probe_and_init() {
  io::out8(static_cast<u16>(base_ + kScratch), 0xA5);
  if (io::in8(static_cast<u16>(base_ + kScratch)) != 0xA5) return false;

  io::out8(static_cast<u16>(base_ + kIer), 0x00);  // polled: no interrupts
  io::out8(static_cast<u16>(base_ + kLcr), kLcrDlab);
  io::out8(static_cast<u16>(base_ + 0), 1);  // divisor 1 = 115200 baud
  io::out8(static_cast<u16>(base_ + 1), 0);
  io::out8(static_cast<u16>(base_ + kLcr), 0x03);  // 8N1
  io::out8(static_cast<u16>(base_ + kFcr), 0xC7);  // FIFOs on, cleared, 14-byte trigger

  // Loopback: what we send must come back on the receive side.
  io::out8(static_cast<u16>(base_ + kMcr), kMcrLoopback | 0x0E);
  io::out8(static_cast<u16>(base_ + kThr), 0x5A);
  bool echoed = false;
  for (u32 i = 0; i < kTxSpins && !echoed; ++i) echoed = (io::in8(static_cast<u16>(base_ + kLsr)) & 1) != 0;
  const bool ok = echoed && io::in8(static_cast<u16>(base_ + kThr)) == 0x5A;
  io::out8(static_cast<u16>(base_ + kMcr), 0x0F);  // normal: DTR, RTS, OUT1, OUT2
  return ok;
}

void Serial16550::put(char c) {
  for (u32 i = 0; i < kTxSpins; ++i)
    if (io::in8(static_cast<u16>(base_ + kLsr)) & kLsrThrEmpty) break;
  io::out8(static_cast<u16>(base_ + kThr), static_cast<u8>(c));
}

void Serial16550::flush() {
  for (u32 i = 0; i < kTxSpins; ++i)
    if (io::in8(static_cast<u16>(base_ + kLsr)) & kLsrTransmitterEmpty) return;
}

void Serial16550::write(Str text) {
  for (char c : text) {
    if (c == '\n') put('\r');
    put(c);
  }
}

}  // namespace nucleo::console

// SPDX-License-Identifier: MIT
// A National PC16550D UART (COM1 by default: ports 0x3F8-0x3FF, IRQ 4).
// Transmission is instantaneous: a THR write reaches the VM console (or, in
// loopback, the receiver) at once, so THR and the transmitter are always
// empty. Received bytes come from push_input() into the receive FIFO.
// Interrupts follow the data sheet's IIR priorities and reach the IRQ line
// only while MCR.OUT2 is set, as a PC gates the UART's INTR with OUT2.
// Pure; see docs/devices.md.
#pragma once

#include "kernel/virt/irq_line.hpp"
#include "kernel/virt/vm.hpp"

namespace nucleo {

class Uart16550 final : public IoDevice {
 public:
  static constexpr u16 kCom1Base = 0x3F8;
  static constexpr u32 kCom1Irq = 4;
  static constexpr usize kFifoSize = 16;

  Uart16550(VmConsole& console, IrqLines& irqs, u16 base = kCom1Base, u32 irq = kCom1Irq)
      : console_(console), irqs_(irqs), base_(base), irq_(irq) {}

  bool io_in(u16 port, u8 size, u32& value) override;
  bool io_out(u16 port, u8 size, u32 value) override;

  // A byte arriving on the serial line. False when it overran the receiver
  // (full FIFO, or a held byte in 16450 mode): LSR.OE is set.
  bool push_input(u8 byte);

  bool irq_level() const { return level_; }

 private:
  bool claims(u16 port) const { return static_cast<u16>(port - base_) < 8; }
  u8 read8(u16 offset);
  void write8(u16 offset, u8 value);
  void transmit(u8 byte);
  u8 read_rbr();
  u8 interrupt_id() const;  // IIR bits 3-0
  u8 modem_inputs() const;  // MSR bits 7-4
  void set_mcr(u8 value);
  void update_irq();
  usize rx_capacity() const { return fifo_enabled() ? kFifoSize : 1; }
  bool fifo_enabled() const { return fcr_ & 0x01; }

  VmConsole& console_;
  IrqLines& irqs_;
  u16 base_;
  u32 irq_;

  u8 rx_[kFifoSize] = {};
  usize rx_head_ = 0, rx_count_ = 0;
  u8 ier_ = 0, fcr_ = 0, lcr_ = 0, mcr_ = 0, scr_ = 0;
  u8 line_errors_ = 0;  // LSR bits 1-4 (only OE is ever set)
  u8 msr_deltas_ = 0;   // MSR bits 3-0
  u16 divisor_ = 12;    // 9600 baud
  bool thre_pending_ = false;
  bool level_ = false;
};

}  // namespace nucleo

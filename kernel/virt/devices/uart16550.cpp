// SPDX-License-Identifier: MIT
// Register offsets, bits and interrupt priorities: National Semiconductor
// PC16550D data sheet, tables II (registers) and IV (interrupt control).
#include "kernel/virt/devices/uart16550.hpp"

namespace nucleo {

namespace {
constexpr u8 kLcrDlab = 0x80;
constexpr u8 kMcrOut2 = 0x08, kMcrLoop = 0x10;
constexpr u8 kLsrDr = 0x01, kLsrOe = 0x02, kLsrThre = 0x20, kLsrTemt = 0x40;
constexpr u8 kIerRda = 0x01, kIerThre = 0x02, kIerRls = 0x04, kIerMs = 0x08;
// IIR interrupt identification, highest priority first.
constexpr u8 kIidLineStatus = 0x06, kIidRxData = 0x04, kIidRxTimeout = 0x0C, kIidThre = 0x02, kIidModem = 0x00,
             kIidNone = 0x01;
constexpr u8 kMsrCts = 0x10, kMsrDsr = 0x20, kMsrRi = 0x40, kMsrDcd = 0x80;
constexpr usize kTriggerLevels[4] = {1, 4, 8, 14};  // FCR bits 7-6
}  // namespace

u8 Uart16550::interrupt_id() const {
  if ((ier_ & kIerRls) && line_errors_) return kIidLineStatus;
  if ((ier_ & kIerRda) && rx_count_) {
    // Below the FIFO trigger level the data sheet reports a character
    // timeout after four character times; input arrives whole here, so
    // that time has always passed.
    return fifo_enabled() && rx_count_ < kTriggerLevels[fcr_ >> 6] ? kIidRxTimeout : kIidRxData;
  }
  if ((ier_ & kIerThre) && thre_pending_) return kIidThre;
  if ((ier_ & kIerMs) && msr_deltas_) return kIidModem;
  return kIidNone;
}

// In loopback the modem control outputs feed the status inputs (DTR->DSR,
// RTS->CTS, OUT1->RI, OUT2->DCD). Otherwise the far end is a host that is
// always ready: CTS, DSR and DCD set, RI clear.
u8 Uart16550::modem_inputs() const {
  if (!(mcr_ & kMcrLoop)) return kMsrCts | kMsrDsr | kMsrDcd;
  return static_cast<u8>((mcr_ & 0x01 ? kMsrDsr : 0) | (mcr_ & 0x02 ? kMsrCts : 0) | (mcr_ & 0x04 ? kMsrRi : 0) |
                         (mcr_ & kMcrOut2 ? kMsrDcd : 0));
}

// The PC wires the UART's INTR through a buffer enabled by the OUT2 pin;
// in loopback the data sheet forces the OUT pins inactive, so no IRQ.
void Uart16550::update_irq() {
  const bool level = interrupt_id() != kIidNone && (mcr_ & kMcrOut2) && !(mcr_ & kMcrLoop);
  if (level == level_) return;
  level_ = level;
  irqs_.set_irq(irq_, level);
}

void Uart16550::set_mcr(u8 value) {
  const u8 before = modem_inputs();
  mcr_ = value & 0x1F;
  const u8 after = modem_inputs();
  const u8 changed = before ^ after;
  if (changed & kMsrCts) msr_deltas_ |= 0x01;
  if (changed & kMsrDsr) msr_deltas_ |= 0x02;
  if ((before & kMsrRi) && !(after & kMsrRi)) msr_deltas_ |= 0x04;  // trailing edge of RI
  if (changed & kMsrDcd) msr_deltas_ |= 0x08;
}

bool Uart16550::push_input(u8 byte) {
  bool accepted = true;
  if (rx_count_ == rx_capacity()) {
    line_errors_ |= kLsrOe;
    // 16450 mode: the new character overwrites the one in RBR; FIFO mode:
    // it is lost in the shift register and the FIFO is kept.
    if (!fifo_enabled()) rx_[rx_head_] = byte;
    accepted = false;
  } else {
    rx_[(rx_head_ + rx_count_) % kFifoSize] = byte;
    ++rx_count_;
  }
  update_irq();
  return accepted;
}

u8 Uart16550::read_rbr() {
  if (rx_count_ == 0) return 0;
  const u8 byte = rx_[rx_head_];
  rx_head_ = (rx_head_ + 1) % kFifoSize;
  --rx_count_;
  return byte;
}

// Output is instantaneous: writing THR clears the THR-empty interrupt, the
// byte leaves at once and THR is empty again, which raises it again.
void Uart16550::transmit(u8 byte) {
  thre_pending_ = false;
  if (mcr_ & kMcrLoop) {
    (void)push_input(byte);
  } else {
    console_.put(static_cast<char>(byte));
  }
  thre_pending_ = true;
}

u8 Uart16550::read8(u16 offset) {
  const bool dlab = lcr_ & kLcrDlab;
  switch (offset) {
    case 0: return dlab ? static_cast<u8>(divisor_) : read_rbr();
    case 1: return dlab ? static_cast<u8>(divisor_ >> 8) : ier_;
    case 2: {
      const u8 id = interrupt_id();
      if (id == kIidThre) thre_pending_ = false;  // reading IIR is what clears it
      return static_cast<u8>((fifo_enabled() ? 0xC0 : 0x00) | id);
    }
    case 3: return lcr_;
    case 4: return mcr_;
    case 5: {
      const u8 lsr = static_cast<u8>((rx_count_ ? kLsrDr : 0) | line_errors_ | kLsrThre | kLsrTemt);
      line_errors_ = 0;
      return lsr;
    }
    case 6: {
      const u8 msr = static_cast<u8>(modem_inputs() | msr_deltas_);
      msr_deltas_ = 0;
      return msr;
    }
    default: return scr_;
  }
}

void Uart16550::write8(u16 offset, u8 value) {
  const bool dlab = lcr_ & kLcrDlab;
  switch (offset) {
    case 0:
      if (dlab) {
        divisor_ = static_cast<u16>((divisor_ & 0xFF00) | value);
      } else {
        transmit(value);
      }
      return;
    case 1:
      if (dlab) {
        divisor_ = static_cast<u16>((divisor_ & 0x00FF) | value << 8);
        return;
      }
      // Enabling the THR-empty interrupt while THR is empty raises it.
      if ((value & kIerThre) && !(ier_ & kIerThre)) thre_pending_ = true;
      ier_ = value & 0x0F;
      return;
    case 2: {
      // FCR: bit 0 must be set for the other bits to take; changing it
      // clears both FIFOs; bit 1 clears the receive FIFO.
      const bool enable = value & 0x01;
      if (enable != fifo_enabled() || (enable && (value & 0x02))) rx_head_ = rx_count_ = 0;
      fcr_ = enable ? value & 0xC9 : 0;
      return;
    }
    case 3: lcr_ = value; return;
    case 4: set_mcr(value); return;
    case 7: scr_ = value; return;
    default: return;  // LSR and MSR writes are factory test modes
  }
}

bool Uart16550::io_in(u16 port, u8 size, u32& value) {
  if (!claims(port)) return false;
  value = 0;
  for (u8 i = 0; i < size && i < 4; ++i) {
    const u16 p = static_cast<u16>(port + i);
    value |= static_cast<u32>(claims(p) ? read8(static_cast<u16>(p - base_)) : 0xFF) << (8 * i);
  }
  update_irq();
  return true;
}

bool Uart16550::io_out(u16 port, u8 size, u32 value) {
  if (!claims(port)) return false;
  for (u8 i = 0; i < size && i < 4; ++i) {
    const u16 p = static_cast<u16>(port + i);
    if (claims(p)) write8(static_cast<u16>(p - base_), static_cast<u8>(value >> (8 * i)));
  }
  update_irq();
  return true;
}

}  // namespace nucleo

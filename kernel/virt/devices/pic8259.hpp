// SPDX-License-Identifier: MIT
// The two cascaded 8259A programmable interrupt controllers of a PC: master
// at ports 0x20/0x21 (IRQ 0-7), slave at 0xA0/0xA1 (IRQ 8-15) on the
// master's IR2, and the PIIX/ICH edge/level control registers (ELCR) at
// 0x4D0/0x4D1. Follows the Intel 8259A data sheet (order 231468): the
// ICW1-ICW4 initialisation sequence, OCW1-OCW3, fully nested priority with
// rotation, special mask mode, poll mode, auto-EOI, and the INTA cycle the
// vCPU runs through has_interrupt()/acknowledge(). Devices drive its inputs
// through IrqLines. Pure; see docs/devices.md for what is not modelled.
#pragma once

#include "kernel/virt/io_bus.hpp"
#include "kernel/virt/irq_line.hpp"

namespace nucleo {

class Pic8259Pair final : public IoDevice, public IrqLines {
 public:
  static constexpr u16 kMasterCommand = 0x20, kMasterData = 0x21;
  static constexpr u16 kSlaveCommand = 0xA0, kSlaveData = 0xA1;
  static constexpr u16 kElcrMaster = 0x4D0, kElcrSlave = 0x4D1;
  static constexpr u32 kCascadeIr = 2;  // the slave's INT output drives master IR2 on a PC

  // Byte-wide registers; a 2- or 4-byte access is that many byte accesses
  // at consecutive ports, as the ISA bus splits it for 8-bit devices.
  bool io_in(u16 port, u8 size, u32& value) override;
  bool io_out(u16 port, u8 size, u32 value) override;

  // ISA IRQ 0-15 (IRQ 2 is the internal cascade: ignored, like IRQs > 15).
  void set_irq(u32 irq, bool level) override;

  // The INT output to the vCPU: an unmasked request that the in-service
  // priority does not block.
  bool has_interrupt() const { return master_.deliverable() != kNone; }
  // The INTA cycle: moves the winning request from IRR to ISR (unless
  // auto-EOI) and returns its vector. Nothing to deliver: the spurious IR7
  // vector (IRQ 7, or IRQ 15 when the slave has nothing for a cascade
  // request), with no ISR bit set on that chip (8259A data sheet, "Interrupt
  // sequence").
  u8 acknowledge();

  // For tests and diagnostics.
  u8 irr(bool slave) const { return chip(slave).irr; }
  u8 isr(bool slave) const { return chip(slave).isr; }
  u8 imr(bool slave) const { return chip(slave).imr; }

 private:
  static constexpr u8 kNone = 8;

  struct Chip {
    u8 irr = 0, isr = 0;
    u8 imr = 0xFF;  // power-on: all masked until the guest initialises it (see docs/devices.md)
    u8 lines = 0;   // input levels as last driven
    u8 elcr = 0;    // 1 = level-triggered input
    u8 elcr_writable = 0;
    u8 vector_base = 0;
    u8 lowest = 7;  // the IR with the lowest priority; rotation moves it
    u8 icw3 = 0;
    u8 init_step = 0;  // 0: operational; 2, 3, 4: the ICW expected next
    bool single = false, needs_icw4 = false, level_mode = false;
    bool auto_eoi = false, rotate_on_auto_eoi = false, special_fully_nested = false;
    bool special_mask = false, read_isr = false, poll = false;
    bool is_master = false;

    bool level_triggered(u8 ir) const { return level_mode || (elcr >> ir & 1); }
    u8 priority(u8 ir) const { return static_cast<u8>((ir - lowest - 1) & 7); }  // 0 = highest
    u8 best(u8 bits) const;
    u8 deliverable() const;
    void set_line(u8 ir, bool level);
    void ack(u8 ir);
    void write_command(u8 value);
    void write_data(u8 value);
    u8 read_command();
  };

  const Chip& chip(bool slave) const { return slave ? slave_ : master_; }
  bool claims(u16 port) const;
  u8 read8(u16 port);
  void write8(u16 port, u8 value);
  void update_cascade();  // the slave's INT output onto master IR2

  Chip master_ = make_chip(true);
  Chip slave_ = make_chip(false);

  static Chip make_chip(bool master) {
    Chip c;
    c.is_master = master;
    // ELCR bits of IRQ 0, 1, 2, 8 and 13 are reserved (always edge) on
    // the PIIX/ICH: the timer, keyboard, cascade, RTC and FPU error.
    c.elcr_writable = master ? 0xF8 : 0xDE;
    return c;
  }
};

}  // namespace nucleo

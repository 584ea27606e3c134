// SPDX-License-Identifier: MIT
// How a device model raises an interrupt: it drives an ISA IRQ line (0-15)
// of the VM's interrupt controller (the virtual 8259 pair). Edge-triggered
// devices pulse it (raise then lower). Vendor-neutral.
#pragma once

#include "kernel/lib/types.hpp"

namespace nucleo {

class IrqLines {
 public:
  virtual void set_irq(u32 irq, bool level) = 0;
  void pulse(u32 irq) {
    set_irq(irq, true);
    set_irq(irq, false);
  }

 protected:
  ~IrqLines() = default;
};

}  // namespace nucleo

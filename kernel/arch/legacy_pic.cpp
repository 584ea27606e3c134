// SPDX-License-Identifier: MIT
// 8259A initialisation: ICW1-ICW4 (Intel 8259A data sheet).
#include "kernel/arch/legacy_pic.hpp"

#include "kernel/arch/io.hpp"

namespace nucleo::legacy_pic {

void remap_and_mask() {
  io::out8(0x20, 0x11);  // ICW1: edge, cascade, ICW4 follows
  io::out8(0xA0, 0x11);
  io::out8(0x21, 0x20);  // ICW2: master vectors 0x20-0x27
  io::out8(0xA1, 0x28);  //       slave vectors 0x28-0x2F
  io::out8(0x21, 0x04);  // ICW3: slave on IRQ2
  io::out8(0xA1, 0x02);
  io::out8(0x21, 0x01);  // ICW4: 8086 mode
  io::out8(0xA1, 0x01);
  io::out8(0x21, 0xFF);  // OCW1: mask everything
  io::out8(0xA1, 0xFF);
}

}  // namespace nucleo::legacy_pic

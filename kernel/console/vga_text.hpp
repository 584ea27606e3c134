// SPDX-License-Identifier: MIT
// VGA/EGA text-mode console (real machines booted by BIOS, or any Multiboot2
// framebuffer of type "EGA text"): 16-bit cells of character + attribute.
#pragma once

#include "kernel/console/console.hpp"

namespace nucleo::console {

class VgaText final : public Device {
 public:
  void init(u16* cells, u32 columns, u32 rows);
  void write(Str text) override;
  Str name() const override { return "VGA text"; }

 private:
  void put(char c);
  void scroll();
  u16* cells_ = nullptr;
  u32 columns_ = 0, rows_ = 0, x_ = 0, y_ = 0;
};

}  // namespace nucleo::console

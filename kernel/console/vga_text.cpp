// SPDX-License-Identifier: MIT
#include "kernel/console/vga_text.hpp"

namespace nucleo::console {

namespace {
constexpr u16 kAttr = 0x07 << 8;  // light grey on black
}

void VgaText::init(u16* cells, u32 columns, u32 rows) {
  cells_ = cells;
  columns_ = columns;
  rows_ = rows;
  x_ = y_ = 0;
  for (u32 i = 0; i < columns * rows; ++i) cells_[i] = kAttr | ' ';
}

void VgaText::scroll() {
  for (u32 i = 0; i < columns_ * (rows_ - 1); ++i) cells_[i] = cells_[i + columns_];
  for (u32 i = 0; i < columns_; ++i) cells_[columns_ * (rows_ - 1) + i] = kAttr | ' ';
  y_ = rows_ - 1;
}

void VgaText::put(char c) {
  if (c == '\n') {
    x_ = 0;
    if (++y_ == rows_) scroll();
    return;
  }
  if (c == '\r') return;
  cells_[y_ * columns_ + x_] = static_cast<u16>(kAttr | static_cast<u8>(c));
  if (++x_ == columns_) {
    x_ = 0;
    if (++y_ == rows_) scroll();
  }
}

void VgaText::write(Str text) {
  if (!cells_) return;
  for (char c : text) put(c);
}

}  // namespace nucleo::console

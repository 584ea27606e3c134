// SPDX-License-Identifier: MIT
// A text console on a linear RGB framebuffer (the GOP mode GRUB sets on UEFI
// machines, or a VESA mode): 8x16 glyphs (font.hpp), a colour per log level,
// and guest prefixes ("[vm] ") in their own colour. The first line written,
// the banner, stays on the top row; the rows below scroll.
//
// Speed: the console keeps a copy of the character grid and draws only the
// cells whose character or colour changed, so spaces over spaces cost
// nothing; it never reads the framebuffer (slow on real hardware, where it
// is uncached or write-combining). Scrolling moves the grid up by half the
// screen at once and redraws what changed, which amortises the redraw over
// that many lines (docs/bench-console.md). Pure code: it only stores to
// the pixels it was given, so host tests render into a buffer.
#pragma once

#include "kernel/boot_info/multiboot2.hpp"
#include "kernel/console/console.hpp"
#include "kernel/lib/result.hpp"

namespace nucleo::console {

class FramebufferConsole final : public Device {
 public:
  static constexpr u32 kMaxColumns = 256;
  static constexpr u32 kMaxRows = 160;
  static constexpr u32 kPaletteSize = 8;
  // Palette indexes (foreground and background of a cell).
  enum Colour : u8 { black, grey, red, yellow, dark_grey, cyan, white, title_bg };
  // 0x00RRGGBB of each palette entry (the VGA text palette's shades).
  static constexpr u32 kPaletteRgb[kPaletteSize] = {0x000000, 0xAAAAAA, 0xFF5555, 0xFFFF55,
                                                    0x808080, 0x55FFFF, 0xFFFFFF, 0x0000AA};

  // pixels: the framebuffer as mapped (fb.pitch * fb.height bytes). Refuses
  // what it cannot draw on, saying why: not RGB, no colour layout, a pixel
  // size other than 16, 24 or 32 bits, a pitch too small for the width, or
  // a screen smaller than 20x5 characters. Clears the screen.
  Error init(u8* pixels, const mb2::Framebuffer& fb);
  void write(Str text) override { write_styled(text, Style::normal); }
  void write_styled(Str text, Style style) override;
  Str name() const override { return Str(name_, name_len_); }

  u32 columns() const { return columns_; }
  u32 rows() const { return rows_; }
  u32 scale() const { return scale_; }
  u64 scrolls() const { return scrolls_; }
  u64 cells_drawn() const { return cells_drawn_; }
  // The character at a cell of the grid (what the screen shows there).
  char char_at(u32 column, u32 row) const { return static_cast<char>(cells_[row * columns_ + column].ch); }
  u8 colour_at(u32 column, u32 row) const { return cells_[row * columns_ + column].colour; }
  // The pixel value a palette entry has in this framebuffer's layout.
  u32 pixel_of(Colour c) const { return pixel_[c]; }
  static constexpr u8 colours(Colour fg, Colour bg) { return static_cast<u8>(fg | bg << 4); }

 private:
  struct Cell {
    u8 ch;
    u8 colour;  // foreground | background << 4
    bool operator==(const Cell&) const = default;
  };
  void put(char c);
  void newline();
  void scroll();
  void set_cell(u32 column, u32 row, Cell cell);
  void draw(u32 column, u32 row, Cell cell);
  void store_pixel(u8* at, u32 value) const;
  void prepare_nibbles(u8 colour);
  static void copy_pixels(u8* to, const u8* from, u32 bytes);
  Cell blank() const { return Cell{' ', colours(black, black)}; }

  u8* pixels_ = nullptr;
  u32 pitch_ = 0, bytes_per_pixel_ = 0, scale_ = 1;
  static constexpr u16 kNoColour = 0x100;
  u16 nibbles_for_ = kNoColour;  // the colour pair nibbles_ holds
  u8 nibbles_[16][16] = {};      // 4 pixels per nibble value (up to 16 bytes)
  u32 columns_ = 0, rows_ = 0;
  u32 x_ = 0, y_ = 0;           // cursor; y_ == rows_ means "scroll first"
  bool title_done_ = false;      // the first line has been written to row 0
  bool line_start_ = true;       // nothing of the current line written yet
  bool in_prefix_ = false;       // inside a "[vm]" prefix at a line start
  u8 line_colour_ = 0;
  u32 pixel_[kPaletteSize] = {};
  u64 scrolls_ = 0, cells_drawn_ = 0;
  char name_[40] = {};
  usize name_len_ = 0;
  Cell cells_[kMaxColumns * kMaxRows] = {};
};

}  // namespace nucleo::console

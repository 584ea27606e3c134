// SPDX-License-Identifier: MIT
// Framebuffer layout: Multiboot2 spec 1.0, 3.6.12 (address, pitch, width,
// height, bpp, and for RGB the position and size of each colour field).
#include "kernel/console/framebuffer_console.hpp"

#include "kernel/console/font.hpp"

namespace nucleo::console {

namespace {
constexpr u32 kMinColumns = 20, kMinRows = 5;
// Beyond this width the glyphs are drawn twice as large (a 4K screen would
// otherwise show 480 tiny columns).
constexpr u32 kScaleAbove = 2560;

// An 8-bit colour channel scaled to a field of `size` bits at `position`.
u32 channel(u32 value8, mb2::ColourField f) {
  if (f.size == 0) return 0;
  const u32 v = f.size >= 8 ? value8 << (f.size - 8) : value8 >> (8 - f.size);
  return v << f.position;
}

bool field_fits(mb2::ColourField f, u32 bits) { return f.size <= 16 && f.position + f.size <= bits; }

FramebufferConsole::Colour style_colour(Style s) {
  switch (s) {
    case Style::error: return FramebufferConsole::red;
    case Style::warn: return FramebufferConsole::yellow;
    case Style::debug: return FramebufferConsole::dark_grey;
    case Style::normal: break;
  }
  return FramebufferConsole::grey;
}
}  // namespace

Error FramebufferConsole::init(u8* pixels, const mb2::Framebuffer& fb) {
  if (fb.type != static_cast<u8>(mb2::FramebufferType::rgb))
    return make_error(Status::unsupported, "framebuffer: not an RGB (direct colour) framebuffer", fb.type);
  if (!fb.has_rgb_fields) return make_error(Status::malformed, "framebuffer: the loader gave no colour layout", 0);
  if (fb.bpp != 16 && fb.bpp != 24 && fb.bpp != 32)
    return make_error(Status::unsupported, "framebuffer: pixels must be 16, 24 or 32 bits", fb.bpp);
  if (!field_fits(fb.red, fb.bpp) || !field_fits(fb.green, fb.bpp) || !field_fits(fb.blue, fb.bpp))
    return make_error(Status::malformed, "framebuffer: a colour field lies outside the pixel", fb.bpp);
  bytes_per_pixel_ = fb.bpp / 8u;
  if (static_cast<u64>(fb.width) * bytes_per_pixel_ > fb.pitch)
    return make_error(Status::malformed, "framebuffer: pitch is smaller than a row of pixels", fb.pitch);
  scale_ = fb.width > kScaleAbove ? 2 : 1;
  columns_ = min<u32>(fb.width / (kFontWidth * scale_), kMaxColumns);
  rows_ = min<u32>(fb.height / (kFontHeight * scale_), kMaxRows);
  if (columns_ < kMinColumns || rows_ < kMinRows)
    return make_error(Status::unsupported, "framebuffer: too small for a 20x5 text console", fb.width);
  pixels_ = pixels;
  pitch_ = fb.pitch;
  nibbles_for_ = kNoColour;
  for (u32 i = 0; i < kPaletteSize; ++i) {
    const u32 rgb = kPaletteRgb[i];
    pixel_[i] = channel(rgb >> 16 & 0xFF, fb.red) | channel(rgb >> 8 & 0xFF, fb.green) | channel(rgb & 0xFF, fb.blue);
  }
  BufferSink name(name_, sizeof name_);
  format(name, "framebuffer {}x{}x{}", fb.width, fb.height, fb.bpp);
  name_len_ = name.view().size();

  // Clear every pixel once (the firmware's logo or GRUB's menu may be
  // there), then the grid says "blank" everywhere, as the screen does.
  const u32 height = fb.height, row_bytes = fb.width * bytes_per_pixel_;
  for (u32 y = 0; y < height; ++y) {  // black is 0 in every layout
    u8* p = pixels_ + static_cast<u64>(y) * pitch_;
    u32 i = 0;
    for (; i < row_bytes && (reinterpret_cast<u64>(p + i) & 7) != 0; ++i) p[i] = 0;
    for (; i + 8 <= row_bytes; i += 8) *static_cast<u64*>(static_cast<void*>(p + i)) = 0;
    for (; i < row_bytes; ++i) p[i] = 0;
  }
  for (u32 i = 0; i < columns_ * rows_; ++i) cells_[i] = blank();
  x_ = y_ = 0;
  title_done_ = in_prefix_ = false;
  line_start_ = true;
  scrolls_ = cells_drawn_ = 0;
  return {};
}

// Constant-size copies: the compiler turns each into one or two moves
// (x86 stores need no alignment), instead of a call to memcpy.
void FramebufferConsole::copy_pixels(u8* to, const u8* from, u32 bytes) {
  switch (bytes) {
    case 8: __builtin_memcpy(to, from, 8); break;
    case 12: __builtin_memcpy(to, from, 12); break;
    default: __builtin_memcpy(to, from, 16); break;
  }
}

void FramebufferConsole::store_pixel(u8* at, u32 value) const {
  switch (bytes_per_pixel_) {
    case 4: __builtin_memcpy(at, &value, 4); break;
    case 3:
      at[0] = static_cast<u8>(value);
      at[1] = static_cast<u8>(value >> 8);
      at[2] = static_cast<u8>(value >> 16);
      break;
    default: {
      const u16 v = static_cast<u16>(value);
      __builtin_memcpy(at, &v, 2);
    }
  }
}

// The 4-pixel patterns of each nibble of a glyph row in one colour pair,
// kept until the pair changes (lines are mostly one colour).
void FramebufferConsole::prepare_nibbles(u8 colour) {
  if (nibbles_for_ == colour) return;
  const u32 fg = pixel_[colour & 0xF], bg = pixel_[colour >> 4];
  for (u32 n = 0; n < 16; ++n)
    for (u32 i = 0; i < 4; ++i) store_pixel(&nibbles_[n][i * bytes_per_pixel_], n & (8u >> i) ? fg : bg);
  nibbles_for_ = colour;
}

// The hot path (docs/bench-console.md): at scale 1 each glyph row is two
// copies of 4 pixels (8, 12 or 16 bytes) from the nibble table; scaled
// glyphs go pixel by pixel.
void FramebufferConsole::draw(u32 column, u32 row, Cell cell) {
  const u8* glyph = glyph_rows(static_cast<char>(cell.ch));
  const u32 cell_w = kFontWidth * scale_, cell_h = kFontHeight * scale_;
  u8* origin = pixels_ + static_cast<u64>(row) * cell_h * pitch_ + static_cast<u64>(column) * cell_w * bytes_per_pixel_;
  if (scale_ == 1) {
    prepare_nibbles(cell.colour);
    const u32 half = 4 * bytes_per_pixel_;
    for (u32 y = 0; y < kFontHeight; ++y) {
      u8* p = origin + static_cast<u64>(y) * pitch_;
      const u32 bits = glyph[y];
      copy_pixels(p, nibbles_[bits >> 4], half);
      copy_pixels(p + half, nibbles_[bits & 0xF], half);
    }
  } else {
    const u32 fg = pixel_[cell.colour & 0xF], bg = pixel_[cell.colour >> 4];
    for (u32 y = 0; y < cell_h; ++y) {
      const u8 bits = glyph[y / scale_];
      u8* p = origin + static_cast<u64>(y) * pitch_;
      for (u32 x = 0; x < cell_w; ++x, p += bytes_per_pixel_) store_pixel(p, bits & (0x80u >> (x / scale_)) ? fg : bg);
    }
  }
  ++cells_drawn_;
}

void FramebufferConsole::set_cell(u32 column, u32 row, Cell cell) {
  if (cell.ch == ' ') cell.colour &= 0xF0;  // a space shows its background only
  Cell& shown = cells_[row * columns_ + column];
  if (shown == cell) return;
  shown = cell;
  draw(column, row, cell);
}

// Rows 1.. scroll (row 0 is the banner). A scroll redraws every cell with
// text in the region whatever the step (the text moves), so moving by half
// of the rows at once halves that cost per line against a quarter, and
// still leaves half a screen of the lines before on it.
void FramebufferConsole::scroll() {
  const u32 first = 1, region = rows_ - first;
  const u32 step = max<u32>(1, region / 2);
  for (u32 row = first; row < rows_; ++row)
    for (u32 col = 0; col < columns_; ++col)
      set_cell(col, row, row + step < rows_ ? cells_[(row + step) * columns_ + col] : blank());
  y_ = rows_ - step;
  ++scrolls_;
}

void FramebufferConsole::newline() {
  x_ = 0;
  in_prefix_ = false;
  line_start_ = true;
  if (!title_done_) {
    title_done_ = true;
    y_ = 1;
  } else {
    ++y_;  // scrolls when the next character needs the row
  }
}

void FramebufferConsole::put(char c) {
  if (c == '\n') return newline();
  if (c == '\r') return;
  if (!title_done_) {
    if (x_ == 0)  // the title bar spans the row
      for (u32 col = 0; col < columns_; ++col) set_cell(col, 0, Cell{' ', colours(white, title_bg)});
    if (x_ < columns_) set_cell(x_++, 0, Cell{static_cast<u8>(c), colours(white, title_bg)});
    return;  // a title longer than the row is cut
  }
  if (x_ == columns_) {  // wrap a long line
    x_ = 0;
    ++y_;
  }
  if (y_ >= rows_) scroll();
  // A guest's line starts with its VM's name in brackets: that prefix in
  // its own colour (the text is the serial console's, character for character).
  if (line_start_ && c == '[') in_prefix_ = true;
  line_start_ = false;
  const u8 fg = in_prefix_ ? static_cast<u8>(cyan) : line_colour_;
  if (c == ']') in_prefix_ = false;
  set_cell(x_++, y_, Cell{static_cast<u8>(c), static_cast<u8>(fg | black << 4)});
}

void FramebufferConsole::write_styled(Str text, Style style) {
  if (!pixels_) return;
  line_colour_ = static_cast<u8>(style_colour(style));
  for (char c : text) put(c);
}

}  // namespace nucleo::console

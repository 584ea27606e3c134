// SPDX-License-Identifier: MIT
// The screen console's font: 8x16 cells for printable ASCII, GNU Unifont's
// glyphs as GRUB ships them (/usr/share/grub/ascii.pf2), turned into a table
// at build time by tools/fontgen/gen_font.py (see tools/nucleolib/font.py
// for the format and the licence). Row bytes, bit 7 is the leftmost pixel.
#pragma once

#include "kernel/lib/types.hpp"

namespace nucleo::console {

constexpr u32 kFontWidth = 8;
constexpr u32 kFontHeight = 16;
constexpr u8 kFontFirst = 0x20;  // ' '
constexpr u8 kFontLast = 0x7E;   // '~'
constexpr usize kFontGlyphs = kFontLast - kFontFirst + 1;

extern const u8 kFont8x16[kFontGlyphs][kFontHeight];

// The rows of `c`; bytes without a glyph (controls, non-ASCII) show as '?'.
inline const u8* glyph_rows(char c) {
  const u8 code = static_cast<u8>(c);
  return kFont8x16[(code >= kFontFirst && code <= kFontLast ? code : u8{'?'}) - kFontFirst];
}

}  // namespace nucleo::console

// SPDX-License-Identifier: MIT
// The framebuffer console drawn into a byte buffer: what it refuses, where
// each glyph lands in each pixel layout, the title row, colours per level
// and guest prefix, wrapping, and that after scrolling every pixel matches
// the character grid it keeps (nothing stale, nothing drawn twice).
#include "kernel/console/framebuffer_console.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "kernel/console/font.hpp"

using namespace nucleo;
using console::FramebufferConsole;
using console::Style;

namespace {

mb2::Framebuffer rgb32(u32 width, u32 height) {
  mb2::Framebuffer fb;
  fb.type = static_cast<u8>(mb2::FramebufferType::rgb);
  fb.width = width;
  fb.height = height;
  fb.bpp = 32;
  fb.pitch = width * 4 + 64;  // padded rows, as real modes have
  fb.has_rgb_fields = true;
  fb.red = {16, 8};
  fb.green = {8, 8};
  fb.blue = {0, 8};
  return fb;
}

struct Screen {
  explicit Screen(const mb2::Framebuffer& f) : fb(f), pixels(static_cast<usize>(f.pitch) * f.height, 0xEE) {}
  Error init() { return con->init(pixels.data(), fb); }
  void write(const std::string& s, Style style = Style::normal) { con->write_styled(Str(s.data(), s.size()), style); }
  u32 pixel(u32 x, u32 y) const {
    const u8* p = pixels.data() + static_cast<usize>(y) * fb.pitch + x * (fb.bpp / 8u);
    u32 v = 0;
    for (u32 i = 0; i < fb.bpp / 8u; ++i) v |= static_cast<u32>(p[i]) << (8 * i);
    return v;
  }
  // Every pixel of cell (col, row) is what the glyph and colours say.
  bool cell_is(u32 col, u32 row, char ch, u32 fg, u32 bg) const {
    const u8* glyph = console::glyph_rows(ch);
    for (u32 y = 0; y < console::kFontHeight; ++y)
      for (u32 x = 0; x < console::kFontWidth; ++x) {
        const bool lit = glyph[y] & (0x80u >> x);
        if (pixel(col * 8 + x, row * 16 + y) != (lit ? fg : bg)) return false;
      }
    return true;
  }
  std::string row_text(u32 row) const {
    std::string s;
    for (u32 c = 0; c < con->columns(); ++c) s += con->char_at(c, row);
    return s.substr(0, s.find_last_not_of(' ') + 1);
  }
  mb2::Framebuffer fb;
  std::vector<u8> pixels;
  std::unique_ptr<FramebufferConsole> con = std::make_unique<FramebufferConsole>();
};

u32 px(const Screen& s, FramebufferConsole::Colour c) { return s.con->pixel_of(c); }

TEST(FramebufferConsole, GivenFramebuffersItCannotDrawOnWhenInitialisedThenEachIsRefusedWithItsReason) {
  auto refused = [](mb2::Framebuffer fb, const char* why) {
    Screen s(fb);
    const Error e = s.init();
    EXPECT_FALSE(e.ok());
    EXPECT_NE(std::string(e.what).find(why), std::string::npos) << e.what;
  };
  mb2::Framebuffer fb = rgb32(640, 480);
  fb.type = static_cast<u8>(mb2::FramebufferType::indexed);
  refused(fb, "not an RGB");
  fb = rgb32(640, 480);
  fb.has_rgb_fields = false;
  refused(fb, "no colour layout");
  fb = rgb32(640, 480);
  fb.bpp = 8;
  refused(fb, "16, 24 or 32 bits");
  fb = rgb32(640, 480);
  fb.pitch = 640 * 4 - 4;
  refused(fb, "pitch");
  fb = rgb32(640, 480);
  fb.red = {28, 8};
  refused(fb, "outside the pixel");
  refused(rgb32(100, 480), "too small");
}

TEST(FramebufferConsole, GivenA32BitScreenWhenInitialisedThenEveryPixelIsBlackAndTheGridIsSized) {
  Screen s(rgb32(640, 480));
  ASSERT_TRUE(s.init().ok());
  EXPECT_EQ(s.con->columns(), 80u);
  EXPECT_EQ(s.con->rows(), 30u);
  EXPECT_EQ(s.con->name(), Str("framebuffer 640x480x32"));
  EXPECT_EQ(px(s, FramebufferConsole::red), 0xFF5555u);  // 0x00RRGGBB in this layout
  for (u32 y = 0; y < 480; ++y)
    for (u32 x = 0; x < 640; ++x) ASSERT_EQ(s.pixel(x, y), 0u) << x << "," << y;
  // The padding beyond each row is not the screen's: untouched.
  EXPECT_EQ(s.pixels[640 * 4], 0xEE);
}

TEST(FramebufferConsole, GivenTheFirstLineWhenWrittenThenItIsTheTitleRowAndLaterLinesStartBelow) {
  Screen s(rgb32(640, 480));
  ASSERT_TRUE(s.init().ok());
  s.write("nucleo 0.1.0: banner\n");
  s.write("memory: 255 MiB\n");
  EXPECT_EQ(s.row_text(0), "nucleo 0.1.0: banner");
  EXPECT_EQ(s.row_text(1), "memory: 255 MiB");
  const u32 white = px(s, FramebufferConsole::white), blue = px(s, FramebufferConsole::title_bg);
  EXPECT_TRUE(s.cell_is(0, 0, 'n', white, blue));
  EXPECT_TRUE(s.cell_is(79, 0, ' ', white, blue));  // the bar spans the row
  EXPECT_TRUE(s.cell_is(0, 1, 'm', px(s, FramebufferConsole::grey), 0));
}

TEST(FramebufferConsole, GivenLevelsAndGuestPrefixesWhenWrittenThenEachHasItsColour) {
  Screen s(rgb32(640, 480));
  ASSERT_TRUE(s.init().ok());
  s.write("title\n");
  s.write("error: bad\n", Style::error);
  s.write("warning: odd\n", Style::warn);
  s.write("debug: detail\n", Style::debug);
  s.write("[vm0] hello [x]\n");
  using C = FramebufferConsole;
  EXPECT_EQ(s.con->colour_at(0, 1), C::colours(C::red, C::black));
  EXPECT_EQ(s.con->colour_at(0, 2), C::colours(C::yellow, C::black));
  EXPECT_EQ(s.con->colour_at(0, 3), C::colours(C::dark_grey, C::black));
  EXPECT_EQ(s.con->colour_at(4, 4), C::colours(C::cyan, C::black));   // ']' ends the prefix
  EXPECT_EQ(s.con->colour_at(6, 4), C::colours(C::grey, C::black));   // text after it
  EXPECT_EQ(s.con->colour_at(12, 4), C::colours(C::grey, C::black));  // a later '[' is text
  EXPECT_TRUE(s.cell_is(0, 1, 'e', px(s, C::red), 0));
}

TEST(FramebufferConsole, GivenOtherPixelLayoutsWhenAGlyphIsDrawnThenItsPixelsUseThatLayout) {
  mb2::Framebuffer fb = rgb32(320, 200);
  fb.bpp = 24;
  fb.pitch = 320 * 3;
  fb.red = {0, 8};
  fb.blue = {16, 8};  // RGB byte order
  Screen s24(fb);
  ASSERT_TRUE(s24.init().ok());
  s24.write("t\nA\n");
  EXPECT_EQ(s24.con->pixel_of(FramebufferConsole::red), 0x5555FFu);
  EXPECT_TRUE(s24.cell_is(0, 1, 'A', 0xAAAAAA, 0));

  fb.bpp = 16;
  fb.pitch = 320 * 2;
  fb.red = {11, 5};
  fb.green = {5, 6};
  fb.blue = {0, 5};
  Screen s16(fb);
  ASSERT_TRUE(s16.init().ok());
  s16.write("t\nA\n");
  const u32 grey565 = (0xAAu >> 3) << 11 | (0xAAu >> 2) << 5 | 0xAAu >> 3;
  EXPECT_EQ(s16.con->pixel_of(FramebufferConsole::grey), grey565);
  EXPECT_TRUE(s16.cell_is(0, 1, 'A', grey565, 0));
}

TEST(FramebufferConsole, GivenALineLongerThanTheRowWhenWrittenThenItWrapsOntoTheNextRow) {
  Screen s(rgb32(320, 200));  // 40 columns
  ASSERT_TRUE(s.init().ok());
  s.write("t\n" + std::string(40, 'x') + "yz\nnext\n");
  EXPECT_EQ(s.row_text(1), std::string(40, 'x'));
  EXPECT_EQ(s.row_text(2), "yz");
  EXPECT_EQ(s.row_text(3), "next");
}

TEST(FramebufferConsole, GivenManyLinesWhenTheScreenScrollsThenTheTitleStaysAndEveryPixelMatchesTheGrid) {
  Screen s(rgb32(320, 200));  // 40x12: title + 11 scrolling rows
  ASSERT_TRUE(s.init().ok());
  s.write("the title\n");
  for (int i = 0; i <= 40; ++i) s.write("line " + std::to_string(i) + (i % 3 ? "" : " with more text") + "\n");
  EXPECT_GT(s.con->scrolls(), 0u);
  EXPECT_EQ(s.row_text(0), "the title");
  // The last line is on screen, right after the one before it.
  u32 last_row = 0;
  for (u32 r = 1; r < s.con->rows(); ++r)
    if (s.row_text(r) == "line 40") last_row = r;
  ASSERT_GT(last_row, 1u);
  EXPECT_EQ(s.row_text(last_row - 1), "line 39 with more text");
  for (u32 r = last_row + 1; r < s.con->rows(); ++r) EXPECT_EQ(s.row_text(r), "");
  // Every cell's pixels are what the grid says: scrolling left nothing stale.
  for (u32 r = 0; r < s.con->rows(); ++r)
    for (u32 c = 0; c < s.con->columns(); ++c) {
      const u8 colour = s.con->colour_at(c, r);
      ASSERT_TRUE(s.cell_is(c, r, s.con->char_at(c, r), s.con->pixel_of(static_cast<FramebufferConsole::Colour>(colour & 0xF)),
                            s.con->pixel_of(static_cast<FramebufferConsole::Colour>(colour >> 4))))
          << c << "," << r;
    }
}

TEST(FramebufferConsole, GivenBlankCellsWhenSpacesAreWrittenOverThemThenNothingIsDrawn) {
  Screen s(rgb32(320, 200));
  ASSERT_TRUE(s.init().ok());
  s.write("t\n");
  const u64 before = s.con->cells_drawn();
  s.write("    \n");
  EXPECT_EQ(s.con->cells_drawn(), before);
  s.write("ab\n");
  EXPECT_EQ(s.con->cells_drawn(), before + 2);
}

TEST(FramebufferConsole, GivenNoInitWhenWrittenThenNothingHappens) {
  FramebufferConsole con;
  con.write("ignored\n");
  EXPECT_EQ(con.cells_drawn(), 0u);
}

TEST(FramebufferConsole, GivenAWideScreenWhenInitialisedThenGlyphsAreDrawnTwiceAsLarge) {
  Screen s(rgb32(3840, 160));
  ASSERT_TRUE(s.init().ok());
  EXPECT_EQ(s.con->scale(), 2u);
  EXPECT_EQ(s.con->columns(), 240u);
  EXPECT_EQ(s.con->rows(), 5u);
  s.write("t\nA\n");
  // 'A' at cell (0, 1): each font pixel is a 2x2 block.
  const u8* glyph = console::glyph_rows('A');
  const u32 grey = s.con->pixel_of(FramebufferConsole::grey);
  for (u32 y = 0; y < 32; ++y)
    for (u32 x = 0; x < 16; ++x)
      ASSERT_EQ(s.pixel(x, 32 + y), (glyph[y / 2] & (0x80u >> (x / 2))) ? grey : 0u) << x << "," << y;
}

}  // namespace

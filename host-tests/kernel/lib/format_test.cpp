// SPDX-License-Identifier: MIT
#include "kernel/lib/format.hpp"

#include <gtest/gtest.h>

#include <string>

namespace nucleo {
namespace {

template <typename... Args>
std::string fmt(Str f, const Args&... args) {
  char buffer[256];
  BufferSink sink(buffer, sizeof buffer);
  format(sink, f, args...);
  return std::string(sink.view().data(), sink.view().size());
}

TEST(Format, Integers) {
  EXPECT_EQ(fmt("{} {} {}", 0, -42, 18446744073709551615ull), "0 -42 18446744073709551615");
  EXPECT_EQ(fmt("{}", static_cast<i64>(INT64_MIN)), "-9223372036854775808");
  EXPECT_EQ(fmt("{:x} {:X} {:#x} {:b}", 255u, 255u, 255u, 5u), "ff FF 0xff 101");
}

TEST(Format, WidthFillAlign) {
  EXPECT_EQ(fmt("[{:5}]", 42), "[   42]");
  EXPECT_EQ(fmt("[{:<5}]", 42), "[42   ]");
  EXPECT_EQ(fmt("[{:05}]", 42), "[00042]");
  EXPECT_EQ(fmt("[{:#010x}]", 0xbeefu), "[0x0000beef]");
  EXPECT_EQ(fmt("[{:>6}]", "ab"), "[    ab]");
  EXPECT_EQ(fmt("[{:*<4}]", "ab"), "[ab**]");
  EXPECT_EQ(fmt("[{:4}]", "ab"), "[ab  ]");
}

TEST(Format, OtherTypes) {
  EXPECT_EQ(fmt("{} {} {}", true, 'c', Str("view")), "true c view");
  EXPECT_EQ(fmt("{}", static_cast<const void*>(reinterpret_cast<void*>(0x1000))), "0x0000000000001000");
  EXPECT_EQ(fmt("{:c}", 65), "A");
}

TEST(Format, BracesAndMistakes) {
  EXPECT_EQ(fmt("{{}} {}", 1), "{} 1");
  EXPECT_EQ(fmt("{} {}", 1), "1 {?}");  // missing argument is visible, not UB
  EXPECT_EQ(fmt("a } b", 1), "a } b");
  EXPECT_EQ(fmt("open { end", 1), "open { end");
  EXPECT_EQ(fmt("{}", 1, 2), "1");  // extra arguments ignored
}

TEST(Format, BufferSinkDropsAndCounts) {
  char buffer[4];
  BufferSink sink(buffer, sizeof buffer);
  format(sink, "{}", 123456);
  EXPECT_EQ(std::string(sink.view().data(), sink.view().size()), "1234");
  EXPECT_EQ(sink.dropped(), 2u);
}

TEST(Format, GivenSignedValuesWhenPaddedOrHexThenSignAndTwosComplementAreRight) {
  EXPECT_EQ(fmt("[{:05}]", -42), "[-0042]");    // zero padding goes after the sign
  EXPECT_EQ(fmt("[{:>5}]", -42), "[  -42]");
  EXPECT_EQ(fmt("{:x}", -1), "ffffffffffffffff");  // hex shows the bits, no sign
  EXPECT_EQ(fmt("{:#b}", 5u), "0b101");
  EXPECT_EQ(fmt("{:0>5}", 42), "00042");           // explicit fill and align
}

TEST(Format, GivenWideFieldsAndMismatchedTypesWhenFormattedThenPaddedAndDefaulted) {
  EXPECT_EQ(fmt("{:40}|", 7), std::string(39, ' ') + "7|");  // padding longer than the pad chunk
  EXPECT_EQ(fmt("{:s} {:x}", 42, "text"), "42 text");         // a type that does not suit: default form
  EXPECT_EQ(fmt("{:c}", true), "true");
  char none[1];
  BufferSink empty(none, 0);
  format(empty, "{}", 12);
  EXPECT_EQ(empty.view().size(), 0u);
  EXPECT_EQ(empty.dropped(), 2u);
}

}  // namespace
}  // namespace nucleo

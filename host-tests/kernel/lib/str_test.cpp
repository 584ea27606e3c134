// SPDX-License-Identifier: MIT
#include "kernel/lib/str.hpp"

#include <gtest/gtest.h>

#include <string>

namespace nucleo {
namespace {

// parse_u64 result, or the sentinel 0xDEAD (checking `out` stays untouched).
struct Parsed {
  bool ok;
  u64 value;
};
Parsed parse(Str text) {
  u64 v = 0xDEAD;
  const bool ok = parse_u64(text, v);
  return {ok, v};
}

void expect_value(const char* text, u64 expected) {
  const Parsed p = parse(text);
  EXPECT_TRUE(p.ok) << text;
  EXPECT_EQ(p.value, expected) << text;
}
void expect_refused(const char* text) {
  const Parsed p = parse(text);
  EXPECT_FALSE(p.ok) << text;
  EXPECT_EQ(p.value, 0xDEADu) << text << ": output written on failure";
}

TEST(ParseU64, GivenDecimalWhenParsedThenValue) {
  expect_value("0", 0);
  expect_value("7", 7);
  expect_value("00042", 42);
  expect_value("4096", 4096);
  expect_value("18446744073709551615", UINT64_MAX);
}

TEST(ParseU64, GivenHexWhenParsedThenValueInEitherCase) {
  expect_value("0x0", 0);
  expect_value("0xff", 255);
  expect_value("0XFF", 255);
  expect_value("0xDeadBeef", 0xdeadbeef);
  expect_value("0xffffffffffffffff", UINT64_MAX);
  expect_value("0x00000000000000000001", 1);  // leading zeros do not overflow
}

TEST(ParseU64, GivenOverflowWhenParsedThenRefused) {
  expect_refused("18446744073709551616");
  expect_refused("18446744073709551620");
  expect_refused("99999999999999999999");
  expect_refused("0x10000000000000000");
  expect_refused("0x1ffffffffffffffff");
}

TEST(ParseU64, GivenMalformedTextWhenParsedThenRefused) {
  for (const char* text : {"", "0x", "0X", "x10", "-1", "+1", " 1", "1 ", "12a", "0xg", "0x1g", "ff", "1_000", "0b1", "1.0"})
    expect_refused(text);
}

TEST(ParseU64, GivenViewIntoLongerTextWhenParsedThenOnlyTheViewCounts) {
  const char* text = "1234=5";
  const Parsed p = parse(Str(text, 4));
  EXPECT_TRUE(p.ok);
  EXPECT_EQ(p.value, 1234u);
}

TEST(Str, GivenViewsWhenComparedAndSlicedThenBoundsAreRespected) {
  const Str s("hello world");
  EXPECT_EQ(s.size(), 11u);
  EXPECT_TRUE(s.starts_with("hello"));
  EXPECT_FALSE(s.starts_with("world"));
  EXPECT_FALSE(Str("he").starts_with("hello"));
  EXPECT_TRUE(s.substr(6) == Str("world"));
  EXPECT_TRUE(s.substr(6, 3) == Str("wor"));
  EXPECT_TRUE(s.substr(100).empty());
  EXPECT_TRUE(s.substr(9, 100) == Str("ld"));
  EXPECT_EQ(s.find('o'), 4u);
  EXPECT_EQ(s.find('o', 5), 7u);
  EXPECT_EQ(s.find('z'), Str::npos);
  EXPECT_FALSE(Str("abc") == Str("abd"));
  EXPECT_FALSE(Str("abc") == Str("ab"));
  EXPECT_TRUE(Str() == Str(""));
  EXPECT_TRUE(Str(static_cast<const char*>(nullptr)).empty());
}

TEST(Str, GivenBufferWithOrWithoutNulWhenBoundedThenStopsAtNulOrMax) {
  const char with_nul[] = {'a', 'b', 0, 'c'};
  EXPECT_EQ(Str::bounded(with_nul, sizeof with_nul).size(), 2u);
  const char without[] = {'a', 'b', 'c'};
  EXPECT_EQ(Str::bounded(without, sizeof without).size(), 3u);  // never reads past max
  EXPECT_EQ(Str::bounded(without, 0).size(), 0u);
}

}  // namespace
}  // namespace nucleo

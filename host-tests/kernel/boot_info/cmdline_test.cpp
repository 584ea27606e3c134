// SPDX-License-Identifier: MIT
#include "kernel/boot_info/cmdline.hpp"

#include <gtest/gtest.h>

#include <string>

namespace nucleo {
namespace {

// The value of key, or "<absent>" when the key is not on the line.
std::string lookup(const char* line, const char* key) {
  Str value("untouched");
  if (!Cmdline(line).value(key, value)) return value == Str("untouched") ? "<absent>" : "<clobbered>";
  return std::string(value.data(), value.size());
}

TEST(Cmdline, GivenKeyValueWordsWhenLookedUpThenEachValueIsFound) {
  const char* line = "loglevel=debug echo=nucleo-42 dump=mbi";
  EXPECT_EQ(lookup(line, "loglevel"), "debug");
  EXPECT_EQ(lookup(line, "echo"), "nucleo-42");
  EXPECT_EQ(lookup(line, "dump"), "mbi");
}

TEST(Cmdline, GivenBareKeyWhenLookedUpThenPresentWithEmptyValue) {
  EXPECT_EQ(lookup("quiet loglevel=info", "quiet"), "");
  EXPECT_TRUE(Cmdline("quiet").has("quiet"));
  EXPECT_EQ(lookup("k=", "k"), "");
}

TEST(Cmdline, GivenRepeatedKeyWhenLookedUpThenTheLastWins) {
  EXPECT_EQ(lookup("loglevel=info loglevel=debug", "loglevel"), "debug");
  EXPECT_EQ(lookup("loglevel=info loglevel", "loglevel"), "");
}

TEST(Cmdline, GivenKeyThatIsOnlyAPrefixOrSuffixWhenLookedUpThenAbsent) {
  EXPECT_EQ(lookup("loglevel=info", "log"), "<absent>");
  EXPECT_EQ(lookup("loglevel=info", "loglevel2"), "<absent>");
  EXPECT_EQ(lookup("xloglevel=info", "loglevel"), "<absent>");
  EXPECT_EQ(lookup("a=loglevel", "loglevel"), "<absent>");  // values are not keys
  EXPECT_FALSE(Cmdline("loglevel=info").has("level"));
}

TEST(Cmdline, GivenExtraSpacesAndEqualsInValueWhenLookedUpThenWordsSplitOnSpacesOnly) {
  const char* line = "   a=1    b=x=y   c   ";
  EXPECT_EQ(lookup(line, "a"), "1");
  EXPECT_EQ(lookup(line, "b"), "x=y");
  EXPECT_EQ(lookup(line, "c"), "");
  EXPECT_EQ(lookup(line, "x"), "<absent>");
}

TEST(Cmdline, GivenEmptyLineWhenLookedUpThenNothingIsFound) {
  EXPECT_EQ(lookup("", "a"), "<absent>");
  EXPECT_EQ(lookup("    ", "a"), "<absent>");
  EXPECT_FALSE(Cmdline().has("a"));
  EXPECT_TRUE(Cmdline().text().empty());
}

TEST(Cmdline, GivenViewWithoutTerminatorWhenLookedUpThenItStopsAtTheViewEnd) {
  const char buffer[] = {'a', '=', '1', '2', '3'};
  Str value;
  ASSERT_TRUE(Cmdline(Str(buffer, 4)).value("a", value));
  EXPECT_EQ(std::string(value.data(), value.size()), "12");
}

}  // namespace
}  // namespace nucleo

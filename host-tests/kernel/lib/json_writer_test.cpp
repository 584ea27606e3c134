// SPDX-License-Identifier: MIT
#include "kernel/lib/json_writer.hpp"

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

namespace nucleo {
namespace {

class Json : public ::testing::Test {
 protected:
  std::string text() const { return std::string(sink_.view().data(), sink_.view().size()); }
  char buffer_[4096];
  BufferSink sink_{buffer_, sizeof buffer_};
};

// A strict decoder for the flat objects the writer emits: string keys,
// string/number/bool values, RFC 8259 escapes. Each \uXXXX must be <= 0xFF
// (the writer escapes single bytes) and decodes to that byte. Returns false
// on anything that is not valid JSON of that shape.
bool decode_string(const std::string& s, usize& i, std::string& out) {
  if (i >= s.size() || s[i] != '"') return false;
  for (++i; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c == '"') { ++i; return true; }
    if (c < 0x20 || c >= 0x7F) return false;  // raw control or non-ASCII byte
    if (c != '\\') { out += static_cast<char>(c); continue; }
    if (++i >= s.size()) return false;
    if (s[i] == '"' || s[i] == '\\' || s[i] == '/') { out += s[i]; continue; }
    if (s[i] != 'u' || i + 4 >= s.size()) return false;
    const unsigned long code = std::stoul(s.substr(i + 1, 4), nullptr, 16);
    if (code > 0xFF) return false;
    out += static_cast<char>(code);
    i += 4;
  }
  return false;
}
bool decode_object(const std::string& s, std::vector<std::pair<std::string, std::string>>& fields) {
  usize i = 0;
  if (s.empty() || s[i++] != '{') return false;
  while (i < s.size() && s[i] != '}') {
    if (!fields.empty() && s[i++] != ',') return false;
    std::string key, value;
    if (!decode_string(s, i, key) || i >= s.size() || s[i++] != ':') return false;
    if (i < s.size() && s[i] == '"') {
      if (!decode_string(s, i, value)) return false;
    } else {
      while (i < s.size() && s[i] != ',' && s[i] != '}') value += s[i++];
      if (value != "true" && value != "false" && value.find_first_not_of("0123456789") != std::string::npos)
        return false;
    }
    fields.emplace_back(key, value);
  }
  return i + 1 == s.size();
}

TEST_F(Json, GivenNoFieldsWhenClosedThenEmptyObject) {
  JsonObjectWriter w(sink_);
  w.close();
  EXPECT_EQ(text(), "{}");
}

TEST_F(Json, GivenMixedFieldsWhenWrittenThenCommaSeparatedInOrder) {
  JsonObjectWriter w(sink_);
  w.field("name", Str("nucleo"));
  w.field("code", u64{0});
  w.field("max", UINT64_MAX);
  w.field("ok", true);
  w.field("failed", false);
  w.close();
  EXPECT_EQ(text(), R"({"name":"nucleo","code":0,"max":18446744073709551615,"ok":true,"failed":false})");
  std::vector<std::pair<std::string, std::string>> fields;
  ASSERT_TRUE(decode_object(text(), fields)) << text();
  ASSERT_EQ(fields.size(), 5u);
  EXPECT_EQ(fields[2].second, "18446744073709551615");
}

TEST_F(Json, GivenQuotesAndBackslashesWhenWrittenThenEscaped) {
  JsonObjectWriter w(sink_);
  w.field("cmd\"line", Str(R"(say "hi" C:\dir\)"));
  w.close();
  EXPECT_EQ(text(), R"({"cmd\"line":"say \"hi\" C:\\dir\\"})");
}

TEST_F(Json, GivenControlCharactersWhenWrittenThenUnicodeEscaped) {
  const char raw[] = {'a', '\n', '\t', '\r', '\0', '\x1f', '\x7f', 'z'};
  JsonObjectWriter w(sink_);
  w.field("k", Str(raw, sizeof raw));
  w.close();
  EXPECT_EQ(text(), R"({"k":"a\u000a\u0009\u000d\u0000\u001f\u007fz"})");
}

TEST_F(Json, GivenNonAsciiBytesWhenWrittenThenEachByteIsEscapedSoTheLineStaysAscii) {
  JsonObjectWriter w(sink_);
  w.field("name", Str("caf\xc3\xa9 \xff"));  // UTF-8 e-acute, then a stray 0xFF
  w.close();
  EXPECT_EQ(text(), R"({"name":"caf\u00c3\u00a9 \u00ff"})");
}

TEST_F(Json, GivenEveryByteValueWhenWrittenAndDecodedThenTheOriginalBytesComeBack) {
  std::string all;
  for (int c = 0; c < 256; ++c) all += static_cast<char>(c);
  JsonObjectWriter w(sink_);
  w.field(Str("all\\\"keys"), Str(all.data(), all.size()));
  w.field("n", u64{42});
  w.close();
  ASSERT_EQ(sink_.dropped(), 0u);
  std::vector<std::pair<std::string, std::string>> fields;
  ASSERT_TRUE(decode_object(text(), fields)) << text();
  ASSERT_EQ(fields.size(), 2u);
  EXPECT_EQ(fields[0].first, "all\\\"keys");
  EXPECT_EQ(fields[0].second, all);
  EXPECT_EQ(fields[1], std::make_pair(std::string("n"), std::string("42")));
  for (char c : text()) EXPECT_TRUE(c >= 0x20 && c < 0x7F) << "raw byte " << int(c) << " in output";
}

}  // namespace
}  // namespace nucleo

// SPDX-License-Identifier: MIT
#include "kernel/lib/json_writer.hpp"

namespace nucleo {

void JsonObjectWriter::string(Str s) {
  out_.write("\"");
  for (char c : s) {
    const auto u = static_cast<u8>(c);
    if (c == '"') out_.write("\\\"");
    else if (c == '\\') out_.write("\\\\");
    else if (u < 0x20 || u >= 0x7F) format(out_, "\\u{:04x}", u);  // control and non-ASCII bytes
    else out_.write(Str(&c, 1));
  }
  out_.write("\"");
}

void JsonObjectWriter::key(Str k) {
  if (!first_) out_.write(",");
  first_ = false;
  string(k);
  out_.write(":");
}

void JsonObjectWriter::field(Str k, Str value) {
  key(k);
  string(value);
}

void JsonObjectWriter::field(Str k, u64 value) {
  key(k);
  format(out_, "{}", value);
}

void JsonObjectWriter::raw_field(Str k, Str json) {
  key(k);
  out_.write(json);
}

void JsonObjectWriter::field(Str k, bool value) {
  key(k);
  out_.write(value ? "true" : "false");
}

}  // namespace nucleo

// SPDX-License-Identifier: MIT
#include "kernel/console/log.hpp"

namespace nucleo::log {

namespace {
constinit Level g_level = Level::info;
}

void set_level(Level l) { g_level = l; }
Level level() { return g_level; }

bool parse_level(Str text, Level& out) {
  static constexpr Str names[] = {"error", "warn", "info", "debug", "trace"};
  for (u8 i = 0; i < 5; ++i) {
    const char digit[1] = {static_cast<char>('0' + i)};
    if (text == names[i] || text == Str(digit, 1)) {
      out = static_cast<Level>(i);
      return true;
    }
  }
  return false;
}

void emit(Level lvl, Str line) {
  static constexpr Str prefixes[] = {"error: ", "warning: ", "", "debug: ", "trace: "};
  // Prefix, text and newline leave in one console write: one line, no tearing.
  char buffer[600];
  BufferSink sink(buffer, sizeof buffer);
  sink.write(prefixes[static_cast<u8>(lvl)]);
  sink.write(line);
  sink.write("\n");
  static constexpr console::Style styles[] = {console::Style::error, console::Style::warn, console::Style::normal,
                                              console::Style::debug, console::Style::debug};
  console::write(sink.view(), styles[static_cast<u8>(lvl)]);
}

}  // namespace nucleo::log

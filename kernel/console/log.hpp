// SPDX-License-Identifier: MIT
// Levelled, formatted logging: log::info("cores online: {}/{}", n, m).
// Each call formats one whole line first and hands it to the console in one
// piece, so lines from different cores never interleave.
#pragma once

#include "kernel/console/console.hpp"

namespace nucleo::log {

enum class Level : u8 { error = 0, warn = 1, info = 2, debug = 3, trace = 4 };

void set_level(Level level);
Level level();
// "error", "warn", "info", "debug", "trace" or 0..4.
bool parse_level(Str text, Level& out);

void emit(Level level, Str line);

template <typename... Args>
void print(Level lvl, Str fmt, const Args&... args) {
  if (lvl > level()) return;
  char buffer[512];
  BufferSink sink(buffer, sizeof buffer);
  format(sink, fmt, args...);
  emit(lvl, sink.view());
}

template <typename... Args> void error(Str fmt, const Args&... args) { print(Level::error, fmt, args...); }
template <typename... Args> void warn(Str fmt, const Args&... args) { print(Level::warn, fmt, args...); }
template <typename... Args> void info(Str fmt, const Args&... args) { print(Level::info, fmt, args...); }
template <typename... Args> void debug(Str fmt, const Args&... args) { print(Level::debug, fmt, args...); }
template <typename... Args> void trace(Str fmt, const Args&... args) { print(Level::trace, fmt, args...); }

}  // namespace nucleo::log

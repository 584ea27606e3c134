// SPDX-License-Identifier: MIT
// panic(): a broken hypervisor invariant. Never for guest behaviour or bad
// input (those get an error and the hypervisor goes on).
#pragma once

#include "kernel/boot_report.hpp"
#include "kernel/console/log.hpp"

namespace nucleo {

template <typename... Args>
[[noreturn]] void panic(Str fmt, const Args&... args) {
  console::break_lock();
  char buffer[512];
  BufferSink line(buffer, sizeof buffer);
  line.write("PANIC: ");
  format(line, fmt, args...);
  log::emit(log::Level::error, line.view());
  finish(ExitCode::panic, "panic");
}

}  // namespace nucleo

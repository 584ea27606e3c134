// SPDX-License-Identifier: MIT
// The console: every output device that was found (16550 COM1, port 0xE9,
// VGA text, a framebuffer), written together under one ticket lock so lines
// of different cores never interleave. Callers pass whole lines (see log.hpp).
#pragma once

#include "kernel/lib/format.hpp"

namespace nucleo::console {

// How a line looks on a device with colours (the framebuffer): one style per
// log level. Devices without colours show the same text.
enum class Style : u8 { normal, error, warn, debug };

class Device : public Sink {
 public:
  virtual Str name() const = 0;
  // Wait until everything written has left the device (power-off follows).
  virtual void flush() {}
  // Whole lines of one style; plain devices write the text as it is.
  virtual void write_styled(Str text, Style) { write(text); }

 protected:
  ~Device() = default;
};

// A device added after the first lines were written is first shown the
// start of the log (up to kBacklogBytes), so a screen set up late still
// shows the banner and everything before it.
constexpr usize kBacklogBytes = 8192;

void add_device(Device& device);
void write(Str text);
// write() if the console is free now, else nothing and false (a path that
// must not wait behind another core's output: guest console lines).
bool try_write(Str text);
void write(Str text, Style style);
// Names of the active devices, comma separated, for the boot banner.
void describe(Sink& out);
// Per device: lines written and the TSC ticks spent writing them.
void describe_timing(Sink& out);
void flush();
// Fatal path: take the lock even if a dead CPU held it.
void break_lock();

}  // namespace nucleo::console

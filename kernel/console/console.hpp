// SPDX-License-Identifier: MIT
// The console: every output device that was found (16550 COM1, port 0xE9,
// VGA text), written together under one ticket lock so lines of different
// cores never interleave. Callers pass whole lines (see log.hpp).
#pragma once

#include "kernel/lib/format.hpp"

namespace nucleo::console {

class Device : public Sink {
 public:
  virtual Str name() const = 0;
  // Wait until everything written has left the device (power-off follows).
  virtual void flush() {}

 protected:
  ~Device() = default;
};

void add_device(Device& device);
void write(Str text);
// write() if the console is free now, else nothing and false (a path that
// must not wait behind another core's output: guest console lines).
bool try_write(Str text);
// Names of the active devices, comma separated, for the boot banner.
void describe(Sink& out);
void flush();
// Fatal path: take the lock even if a dead CPU held it.
void break_lock();

}  // namespace nucleo::console

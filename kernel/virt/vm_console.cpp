// SPDX-License-Identifier: MIT
#include "kernel/virt/vm.hpp"

namespace nucleo {

void VmConsole::put_locked(char c) {
  if (c == '\r') return;
  // >=: whatever length_ holds, line_ is never indexed past its end.
  if (c == '\n' || length_ >= sizeof line_) {
    flush_locked();
    if (c == '\n') return;
  }
  // Control characters other than tab would garble the host console.
  line_[length_++] = (static_cast<u8>(c) < 0x20 && c != '\t') || static_cast<u8>(c) >= 0x7F ? '?' : c;
}

void VmConsole::flush_locked() {
  if (length_ == 0) return;
  if (sink) sink->line(name, Str(line_, length_));
  length_ = 0;
}

}  // namespace nucleo

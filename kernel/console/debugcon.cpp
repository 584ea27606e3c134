// SPDX-License-Identifier: MIT
#include "kernel/console/debugcon.hpp"

#include "kernel/arch/io.hpp"

namespace nucleo::console {

bool DebugCon::probe() { return io::in8(0xE9) == 0xE9; }

void DebugCon::write(Str text) {
  for (char c : text) io::out8(0xE9, static_cast<u8>(c));
}

}  // namespace nucleo::console

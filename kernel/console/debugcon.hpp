// SPDX-License-Identifier: MIT
// Port 0xE9 debug console of Bochs (port_e9_hack) and QEMU (-debugcon).
// Present when reading the port returns 0xE9.
#pragma once

#include "kernel/console/console.hpp"

namespace nucleo::console {

class DebugCon final : public Device {
 public:
  bool probe();
  void write(Str text) override;
  Str name() const override { return "port 0xe9"; }
};

}  // namespace nucleo::console

// SPDX-License-Identifier: MIT
#include "kernel/virt/devices/debug_devices.hpp"

namespace nucleo {

// 16550 registers by offset (PC16550D data sheet, table 2).
bool ConsoleUart::io_in(u16 port, u8, u32& value) {
  switch (port - kBase) {
    case 5: value = 0x60; return true;  // LSR: THR and transmitter empty
    case 7: value = scratch_; return true;
    case 3: value = lcr_; return true;
    default: value = 0; return true;
  }
}

bool ConsoleUart::io_out(u16 port, u8, u32 value) {
  switch (port - kBase) {
    case 0:
      if (!(lcr_ & 0x80)) console_.put(static_cast<char>(value));  // not the divisor latch
      return true;
    case 3: lcr_ = static_cast<u8>(value); return true;
    case 7: scratch_ = static_cast<u8>(value); return true;
    default: return true;
  }
}

bool ExitPorts::io_out(u16 port, u8, u32 value) {
  if (port == kDebugExit) {  // isa-debug-exit: QEMU exits with (value << 1) | 1; the VM ends with value
    vm_.exit_requested = true;
    vm_.requested_code = value;
    return true;
  }
  if (port == kBochsShutdown) {
    const char* word = "Shutdown";
    shutdown_matched_ = static_cast<u8>(value) == static_cast<u8>(word[shutdown_matched_]) ? shutdown_matched_ + 1
                        : static_cast<u8>(value) == 'S'                                     ? 1
                                                                                            : 0;
    if (shutdown_matched_ == 8) {
      vm_.exit_requested = true;
      vm_.requested_code = 0;
      shutdown_matched_ = 0;
    }
    return true;
  }
  return false;
}

}  // namespace nucleo

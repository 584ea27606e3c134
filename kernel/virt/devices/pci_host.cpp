// SPDX-License-Identifier: MIT
#include "kernel/virt/devices/pci_host.hpp"

namespace nucleo {

bool PciHost::io_in(u16 port, u8 size, u32& value) {
  if (port == kAddressPort && size == 4) {
    value = address_;
    return true;
  }
  if (port >= kDataPort && port <= kLastPort) {
    // Any width at any of the four data ports: with the enable bit set this
    // is a configuration read of an absent function (all ones); with it
    // clear, plain I/O to an empty port (all ones as well).
    ++config_reads_;
    value = 0xFFFFFFFFu;
    return true;
  }
  return false;
}

bool PciHost::io_out(u16 port, u8 size, u32 value) {
  if (port == kAddressPort && size == 4) {
    address_ = value & kAddressWritable;
    return true;
  }
  // Configuration writes to a function that does not exist go nowhere.
  return port >= kDataPort && port <= kLastPort;
}

}  // namespace nucleo

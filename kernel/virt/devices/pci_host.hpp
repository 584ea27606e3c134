// SPDX-License-Identifier: MIT
// PCI configuration mechanism #1 (PCI Local Bus Specification 3.0,
// 3.2.2.3.2) with nothing behind it: CONFIG_ADDRESS at 0xCF8 latches what
// the guest writes, CONFIG_DATA at 0xCFC-0xCFF reads all ones, which is what
// a bus scan sees for "no device at this bus/device/function" (vendor ID
// 0xFFFF). There is no host bridge device either: a guest that probes the
// mechanism finds it working and every bus empty, which is the truth about
// a VM without PCI devices (see docs/virtual-platform.md).
#pragma once

#include "kernel/virt/io_bus.hpp"

namespace nucleo {

class PciHost final : public IoDevice {
 public:
  static constexpr u16 kAddressPort = 0xCF8;
  static constexpr u16 kDataPort = 0xCFC;
  static constexpr u16 kFirstPort = kAddressPort;
  static constexpr u16 kLastPort = kDataPort + 3;

  // CONFIG_ADDRESS bits that exist: 31 enable, 23:16 bus, 15:11 device,
  // 10:8 function, 7:2 register. Bits 30:24 are reserved and read 0; bits
  // 1:0 are read-only 0 for type 0/1 translation (3.2.2.3.2).
  static constexpr u32 kAddressWritable = 0x80FFFFFCu;
  static constexpr u32 kEnable = 1u << 31;

  u32 address() const { return address_; }
  u64 config_reads() const { return config_reads_; }

  // 0xCF8 is CONFIG_ADDRESS only for dword accesses; narrower ones (and
  // anything else at 0xCF9-0xCFB, e.g. the reset control register real
  // chipsets put at 0xCF9) are ordinary I/O to nothing: not claimed.
  bool io_in(u16 port, u8 size, u32& value) override;
  bool io_out(u16 port, u8 size, u32 value) override;

 private:
  u32 address_ = 0;
  u64 config_reads_ = 0;
};

}  // namespace nucleo

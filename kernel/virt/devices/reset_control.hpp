// SPDX-License-Identifier: MIT
// How a PC guest resets its machine, for the "reset" device: the keyboard
// controller's pulse of the reset line (port 0x64, command 0xFE; IBM PC/AT
// technical reference, 8042 commands) and the PIIX3/ICH Reset Control
// Register at port 0xCF9 (bit 2 RST_CPU; Intel 82371SB PIIX3 data sheet
// 4.1.17, ICH9 13.7.5), which the FADT also names as its RESET_REG (ACPI
// 6.5, 4.8.3.6), so Linux's default reboot (ACPI, then the keyboard
// controller) ends the VM. A VM has no firmware to run again: the reset
// ends its run with StopReason::reboot_requested, which its on_crash policy
// turns into a restart or a stop (docs/config.md). Pure.
#pragma once

#include "kernel/virt/vm.hpp"

namespace nucleo {

class ResetControl final : public IoDevice {
 public:
  static constexpr u16 kKbcCommand = 0x64, kResetControl = 0xCF9;
  static constexpr u8 kKbcPulseReset = 0xFE;  // pulse output port bit 0 (the CPU reset line)
  static constexpr u8 kRstCpu = 1u << 2, kSysRst = 1u << 1, kFullRst = 1u << 3;
  static constexpr u8 kFadtResetValue = kRstCpu | kSysRst;  // 0x06: a hard reset through 0xCF9

  explicit ResetControl(Vm& vm) : vm_(vm) {}
  bool io_in(u16 port, u8 size, u32& value) override;
  bool io_out(u16 port, u8 size, u32 value) override;

 private:
  void reset(const char* how);
  Vm& vm_;
  u8 control_ = 0;  // 0xCF9 bits 3 and 1 as written (bit 2 reads 0: the reset is immediate)
};

}  // namespace nucleo

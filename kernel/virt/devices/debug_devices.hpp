// SPDX-License-Identifier: MIT
// The two devices a first guest needs to talk and to end, as emulator test
// kernels use them: a write-only view of a 16550 on COM1 (THR writes go to
// the VM console, LSR always says "transmitter empty") and the exit ports:
// QEMU's isa-debug-exit on 0xf4 and the Bochs shutdown port 0x8900. The full
// 16550 model with interrupts replaces the first in the virtual-PC work.
#pragma once

#include "kernel/virt/vm.hpp"

namespace nucleo {

class ConsoleUart final : public IoDevice {
 public:
  static constexpr u16 kBase = 0x3F8;
  explicit ConsoleUart(VmConsole& console) : console_(console) {}
  bool io_in(u16 port, u8 size, u32& value) override;
  bool io_out(u16 port, u8 size, u32 value) override;

 private:
  VmConsole& console_;
  u8 scratch_ = 0;
  u8 lcr_ = 0;
};

class ExitPorts final : public IoDevice {
 public:
  static constexpr u16 kDebugExit = 0xF4;
  static constexpr u16 kBochsShutdown = 0x8900;
  explicit ExitPorts(Vm& vm) : vm_(vm) {}
  bool io_in(u16, u8, u32&) override { return false; }
  bool io_out(u16 port, u8 size, u32 value) override;

 private:
  Vm& vm_;
  u32 shutdown_matched_ = 0;  // characters of "Shutdown" seen in a row
};

}  // namespace nucleo

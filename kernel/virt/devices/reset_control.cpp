// SPDX-License-Identifier: MIT
#include "kernel/virt/devices/reset_control.hpp"

namespace nucleo {

bool ResetControl::io_in(u16 port, u8 size, u32& value) {
  if (size != 1) return false;  // both are byte registers
  if (port == kKbcCommand) {
    // Status: output buffer empty, input buffer empty (bit 1), so a guest
    // waiting to send its command goes on; nothing else of an 8042 exists.
    value = 0;
    return true;
  }
  if (port == kResetControl) {
    value = control_;
    return true;
  }
  return false;
}

bool ResetControl::io_out(u16 port, u8 size, u32 value) {
  if (size != 1) return false;
  const u8 v = static_cast<u8>(value);
  if (port == kKbcCommand) {
    // Only the reset pulse is a command here; others are accepted and do
    // nothing (there is no keyboard behind this controller).
    if (v == kKbcPulseReset) reset("keyboard controller reset (port 0x64, command 0xfe)");
    return true;
  }
  if (port == kResetControl) {
    control_ = static_cast<u8>(v & (kSysRst | kFullRst));
    // RST_CPU set starts the reset (the PIIX3 acts on the write; the ICH on
    // bit 2's 0-to-1 transition, which every write with it set is here,
    // since it always reads back 0).
    if (v & kRstCpu) reset("reset control register (port 0xcf9)");
    return true;
  }
  return false;
}

void ResetControl::reset(const char* how) {
  if (vm_.reset_requested) return;
  vm_.diagnose("the guest reset the machine: {}", how);
  vm_.reset_requested = true;
}

}  // namespace nucleo

// SPDX-License-Identifier: MIT
// BINVEPT, the laboratory's root-mode instruction (docs/isa/binvept.md):
// INVEPT with completion on every logical processor. The hypervisor
// executes the real bytes, 0F 0A 10 C1 (ModRM.mod = 11b, reg = RAX the
// EPTP, rm = RCX the type), exactly where a processor with BINVEPT would
// run it; on today's processors they raise #UD and the host's #UD handler
// emulates them (vmx/hw/binvept.cpp), so this code reads as it would on
// hardware that had the instruction. Kernel-only.
#pragma once

#include "vmx/hw/instructions.hpp"

namespace nucleo::vmx::hw {

// The status comes back in RFLAGS as for INVEPT (SDM Vol. 3C 31.2): CF = 1
// VMfailInvalid, ZF = 1 VMfailValid (error 28, an unsupported type).
inline VmStatus binvept(InveptType type, u64 eptp) {
  bool cf, zf;
  asm volatile(".byte 0x0f, 0x0a, 0x10, 0xc1"
               : "=@ccc"(cf), "=@ccz"(zf)
               : "a"(eptp), "c"(static_cast<u64>(type))
               : "memory");
  return cf ? VmStatus::fail_invalid : zf ? VmStatus::fail_valid : VmStatus::ok;
}

}  // namespace nucleo::vmx::hw

namespace nucleo::vmx {
// Registers the #UD fixup that emulates BINVEPT in kernel text (binvept.cpp);
// once VMX root operation is on (INVEPT needs it).
void install_binvept_emulation();
}  // namespace nucleo::vmx

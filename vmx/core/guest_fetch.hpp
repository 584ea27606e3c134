// SPDX-License-Identifier: MIT
// Reading the instruction at the guest's CS:RIP, for exits that must decode
// it themselves (APIC accesses, #UD of the extended instructions): the
// code-segment mode, the bytes through the guest's page tables, and a hex
// rendering for diagnostics. Pure.
#pragma once

#include "kernel/virt/lapic/mmio_mov.hpp"
#include "vmx/core/exit_context.hpp"

namespace nucleo::vmx {

// Real mode (CR0.PE = 0), 16- or 32-bit protected mode (CS.D), 64-bit mode
// (CS.L with EFER.LMA): SDM Vol. 3A 5.2.1 and 3.4.5.
enum class GuestCodeMode : u8 { real, protected16, protected32, long64 };
GuestCodeMode guest_code_mode(ExitContext& ctx);

struct Fetched {
  u8 bytes[kMaxInstructionLength] = {};
  usize count = 0;
  u64 linear = 0;
  // The fetch stopped at a page the guest may not execute from at its CPL
  // (or not present): the #PF a processor would raise there.
  bool page_fault = false;
  u64 fault_linear = 0;
  u32 error_code = 0;
};

// The instruction at CS:RIP, byte by byte through the guest's page tables
// (it may straddle two pages) with the rights of an instruction fetch at
// the guest's CPL; stops at the first byte outside the VM's RAM or that a
// fetch may not read (then page_fault says which #PF).
Fetched fetch_instruction(ExitContext& ctx, bool long_mode);

// "8b 05 10 03 e0 fe" for the diagnostic.
struct HexBytes {
  char text[3 * kMaxInstructionLength + 1] = {};
  HexBytes(const u8* bytes, usize count);
};

}  // namespace nucleo::vmx

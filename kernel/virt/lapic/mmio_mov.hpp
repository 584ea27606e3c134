// SPDX-License-Identifier: MIT
// Decodes the one instruction family guests use on memory-mapped device
// registers, so an access that faulted on the APIC page can be emulated:
// MOV r32, m32 (8B /r), MOV m32, r32 (89 /r) and MOV m32, imm32 (C7 /0),
// with segment-override, operand-size and address-size prefixes, REX in
// 64-bit mode, and every ModRM/SIB/displacement form (SDM Vol. 2A 2.1-2.2,
// Tables 2-1 to 2-3). The address itself is not computed: the exit already
// says which register was touched; only the length, the register and the
// immediate are needed. Anything else is refused with a reason. Pure.
#pragma once

#include "kernel/lib/result.hpp"
#include "kernel/lib/span.hpp"

namespace nucleo {

enum class CodeSize : u8 { bits16, bits32, bits64 };  // the CS default (CS.L, CS.D)

enum class MmioMovKind : u8 { load, store_register, store_immediate };

struct MmioMov {
  MmioMovKind kind = MmioMovKind::load;
  u8 reg = 0;       // load: destination; store_register: source (0 = RAX ... 15 = R15)
  u32 immediate = 0;
  u8 length = 0;    // bytes, prefixes included
};

constexpr usize kMaxInstructionLength = 15;  // SDM Vol. 2A 2.3.11

Result<MmioMov> decode_mmio_mov(Span<const u8> code, CodeSize size);

}  // namespace nucleo

// SPDX-License-Identifier: MIT
// Decodes the instructions guests use on memory-mapped device registers, so
// an access that faulted on the APIC page can be completed: the MOV family
// (SDM Vol. 2A, MOV and MOVZX/MOVSX):
//   8A/8B /r  MOV r8/r16/r32/r64, m      88/89 /r  MOV m, r8/r16/r32/r64
//   C6/C7 /0  MOV m, imm8/imm16/imm32    A0-A3     MOV AL/eAX <-> moffs
//   0F B6/B7  MOVZX r, m8/m16            0F BE/BF  MOVSX r, m8/m16
// with segment-override, operand-size and address-size prefixes, REX in
// 64-bit mode (REX.W: 64-bit operand; any REX: SPL/BPL/SIL/DIL instead of
// AH/CH/DH/BH), and every ModRM/SIB/displacement form (Vol. 2A 2.1-2.2,
// Tables 2-1 to 2-3). The address itself is not computed: the exit already
// says which byte was touched; the width, the register and the immediate
// are what is needed. Anything else is refused with a reason. Pure.
#pragma once

#include "kernel/lib/result.hpp"
#include "kernel/lib/span.hpp"

namespace nucleo {

enum class CodeSize : u8 { bits16, bits32, bits64 };  // the CS default (CS.L, CS.D)

enum class MmioMovKind : u8 { load, store_register, store_immediate };

enum class MmioExtend : u8 { none, zero, sign };  // MOVZX, MOVSX

struct MmioMov {
  MmioMovKind kind = MmioMovKind::load;
  u8 reg = 0;              // load: destination; store_register: source (0 = RAX ... 15 = R15)
  bool high_byte = false;  // reg names AH, CH, DH or BH: bits 15:8 of register reg (0-3)
  u8 width = 4;            // bytes of memory accessed: 1, 2, 4 or 8
  u8 dest_width = 4;       // load: bytes of the destination register (> width for MOVZX/MOVSX)
  MmioExtend extend = MmioExtend::none;
  u64 immediate = 0;       // store_immediate, already sign-extended to width
  u8 length = 0;           // bytes, prefixes included
};

constexpr usize kMaxInstructionLength = 15;  // SDM Vol. 2A 2.3.11

Result<MmioMov> decode_mmio_mov(Span<const u8> code, CodeSize size);

// The value a load puts in the destination: `data` (the `width` bytes
// read) zero- or sign-extended to dest_width as the instruction says.
u64 mmio_load_value(const MmioMov& mov, u64 data);

// The full 64-bit register after the load: 8- and 16-bit destinations keep
// the register's other bits, a 32-bit one zero-extends (SDM Vol. 1
// 3.4.1.1), a high-byte one replaces bits 15:8.
u64 mmio_merge_register(const MmioMov& mov, u64 old_register, u64 data);

// The `width` bytes a store writes: the source register's (its bits 15:8
// for AH..BH) or the immediate.
u64 mmio_store_value(const MmioMov& mov, u64 source_register);

}  // namespace nucleo

// SPDX-License-Identifier: MIT
#include "kernel/virt/lapic/mmio_mov.hpp"

namespace nucleo {

namespace {

bool is_segment_override(u8 b) { return b == 0x26 || b == 0x2E || b == 0x36 || b == 0x3E || b == 0x64 || b == 0x65; }

Error refuse(const char* why, usize at) { return make_error(Status::unsupported, why, at); }

}  // namespace

Result<MmioMov> decode_mmio_mov(Span<const u8> code, CodeSize size) {
  const usize limit = code.size() < kMaxInstructionLength ? code.size() : kMaxInstructionLength;
  usize i = 0;
  bool operand_override = false, address_override = false;
  u8 rex = 0;
  // Legacy prefixes, then (64-bit mode only) a REX prefix, which counts
  // only when it comes last, right before the opcode (Vol. 2A 2.2.1).
  for (;; ++i) {
    if (i >= limit) return make_error(Status::truncated, "instruction bytes end inside the prefixes", i);
    const u8 b = code[i];
    if (is_segment_override(b)) {
      rex = 0;
    } else if (b == 0x66) {
      operand_override = true;
      rex = 0;
    } else if (b == 0x67) {
      address_override = true;
      rex = 0;
    } else if (b == 0xF0 || b == 0xF2 || b == 0xF3) {
      return refuse("LOCK/REP prefix on an APIC access", i);
    } else if (size == CodeSize::bits64 && (b & 0xF0) == 0x40) {
      rex = b;
    } else {
      break;
    }
  }
  const u8 opcode = code[i++];
  MmioMov mov;
  switch (opcode) {
    case 0x8B: mov.kind = MmioMovKind::load; break;
    case 0x89: mov.kind = MmioMovKind::store_register; break;
    case 0xC7: mov.kind = MmioMovKind::store_immediate; break;
    default: return refuse("not MOV r32/m32 (8B, 89) or MOV m32/imm32 (C7)", i - 1);
  }
  // Operand size: 32 bits is the only one an APIC register takes.
  const bool wide = rex & 0x08;  // REX.W
  const bool op32 = size == CodeSize::bits16 ? operand_override : !operand_override;
  if (wide) return refuse("64-bit operand (REX.W) on a 32-bit APIC register", i - 1);
  if (!op32) return refuse("16-bit operand on a 32-bit APIC register", i - 1);
  const bool addr16 = size == CodeSize::bits16 ? !address_override : (size == CodeSize::bits32 && address_override);

  if (i >= limit) return make_error(Status::truncated, "instruction bytes end before ModRM", i);
  const u8 modrm = code[i++];
  const u8 mod = modrm >> 6, rm = modrm & 7;
  const u8 reg = static_cast<u8>(((modrm >> 3) & 7) | ((rex & 0x04) << 1));  // REX.R
  if (mod == 3) return refuse("register operand: no memory access to emulate", i - 1);
  if (mov.kind == MmioMovKind::store_immediate && ((modrm >> 3) & 7) != 0) return refuse("C7 with reg field not 0", i - 1);
  mov.reg = mov.kind == MmioMovKind::store_immediate ? 0 : reg;

  usize displacement = 0;
  if (addr16) {  // Table 2-1: no SIB; disp16 for mod 2 and for mod 0 with rm 6
    displacement = mod == 1 ? 1 : (mod == 2 || (mod == 0 && rm == 6)) ? 2 : 0;
  } else {  // Tables 2-2, 2-3: SIB when rm = 4; disp32 for mod 2, for mod 0 with rm 5 (RIP-relative in 64-bit mode) and SIB base 5
    if (rm == 4) {
      if (i >= limit) return make_error(Status::truncated, "instruction bytes end before SIB", i);
      const u8 sib = code[i++];
      if (mod == 0 && (sib & 7) == 5) displacement = 4;
    }
    if (mod == 1) displacement = 1;
    if (mod == 2 || (mod == 0 && rm == 5)) displacement = 4;
  }
  i += displacement;
  if (mov.kind == MmioMovKind::store_immediate) {
    if (i + 4 > limit) return make_error(Status::truncated, "instruction bytes end inside the immediate", i);
    mov.immediate = load_le32(&code[i]);
    i += 4;
  }
  if (i > limit) return make_error(Status::truncated, "instruction bytes end inside the displacement", i);
  mov.length = static_cast<u8>(i);
  return mov;
}

}  // namespace nucleo

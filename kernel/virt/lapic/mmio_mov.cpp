// SPDX-License-Identifier: MIT
#include "kernel/virt/lapic/mmio_mov.hpp"

namespace nucleo {

namespace {

bool is_segment_override(u8 b) { return b == 0x26 || b == 0x2E || b == 0x36 || b == 0x3E || b == 0x64 || b == 0x65; }

Error refuse(const char* why, usize at) { return make_error(Status::unsupported, why, at); }

u64 mask_of(u8 bytes) { return bytes >= 8 ? ~u64{0} : (u64{1} << (8 * bytes)) - 1; }

// Bytes after ModRM: SIB and displacement (Tables 2-1 to 2-3), or an error.
Result<usize> modrm_tail(Span<const u8> code, usize i, usize limit, u8 modrm, bool addr16) {
  const u8 mod = modrm >> 6, rm = modrm & 7;
  if (addr16)  // Table 2-1: no SIB; disp16 for mod 2 and for mod 0 with rm 6
    return usize{mod == 1 ? 1u : (mod == 2 || (mod == 0 && rm == 6)) ? 2u : 0u};
  // Tables 2-2, 2-3: SIB when rm = 4; disp32 for mod 2, for mod 0 with rm
  // 5 (RIP-relative in 64-bit mode) and for SIB base 5 with mod 0.
  usize n = 0;
  if (rm == 4) {
    if (i >= limit) return make_error(Status::truncated, "instruction bytes end before SIB", i);
    if (mod == 0 && (code[i] & 7) == 5) n = 4;
    n += 1;
  }
  if (mod == 1) n += 1;
  if (mod == 2 || (mod == 0 && rm == 5)) n += 4;
  return n;
}

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
  // Operand size (Vol. 1 3.6, Table 3-4): REX.W 64, else the default
  // (16 bits in 16-bit code, 32 otherwise) flipped by 66.
  const bool default16 = size == CodeSize::bits16;
  const u8 op = (rex & 0x08) ? 8 : (default16 != operand_override) ? 2 : 4;
  const bool addr16 = default16 ? !address_override : (size == CodeSize::bits32 && address_override);
  const u8 addr_bytes = addr16 ? 2 : (size == CodeSize::bits64 && !address_override) ? 8 : 4;

  const usize opcode_at = i;
  u8 opcode = code[i++];
  MmioMov mov;
  bool two_byte = false;
  if (opcode == 0x0F) {
    if (i >= limit) return make_error(Status::truncated, "instruction bytes end inside the opcode", i);
    opcode = code[i++];
    two_byte = true;
  }
  bool moffs = false;
  if (two_byte) {
    if (opcode != 0xB6 && opcode != 0xB7 && opcode != 0xBE && opcode != 0xBF)
      return refuse("not MOVZX (0F B6/B7) or MOVSX (0F BE/BF)", opcode_at);
    mov.kind = MmioMovKind::load;
    mov.width = (opcode & 1) ? 2 : 1;
    mov.dest_width = op;
    mov.extend = opcode >= 0xBE ? MmioExtend::sign : MmioExtend::zero;
  } else {
    switch (opcode) {
      case 0x88: case 0x8A: case 0xC6: case 0xA0: case 0xA2: mov.width = 1; break;
      case 0x89: case 0x8B: case 0xC7: case 0xA1: case 0xA3: mov.width = op; break;
      default: return refuse("not a MOV (88-8B, C6/C7, A0-A3) or MOVZX/MOVSX", opcode_at);
    }
    mov.dest_width = mov.width;
    mov.kind = (opcode == 0x8A || opcode == 0x8B || opcode == 0xA0 || opcode == 0xA1) ? MmioMovKind::load
               : (opcode == 0xC6 || opcode == 0xC7)                                  ? MmioMovKind::store_immediate
                                                                                     : MmioMovKind::store_register;
    moffs = opcode >= 0xA0 && opcode <= 0xA3;
  }

  if (moffs) {  // AL/eAX and an address of the address size, no ModRM
    i += addr_bytes;
  } else {
    if (i >= limit) return make_error(Status::truncated, "instruction bytes end before ModRM", i);
    const u8 modrm = code[i++];
    if ((modrm >> 6) == 3) return refuse("register operand: no memory access to emulate", i - 1);
    const u8 reg3 = (modrm >> 3) & 7;
    if (mov.kind == MmioMovKind::store_immediate) {
      if (reg3 != 0) return refuse("C6/C7 with reg field not 0", i - 1);
    } else if (mov.dest_width == 1 && !rex && reg3 >= 4) {
      mov.reg = static_cast<u8>(reg3 - 4);  // AH, CH, DH, BH (Vol. 2A Table 3-1)
      mov.high_byte = true;
    } else {
      mov.reg = static_cast<u8>(reg3 | ((rex & 0x04) << 1));  // REX.R
    }
    const Result<usize> tail = modrm_tail(code, i, limit, modrm, addr16);
    if (!tail) return tail.error();
    i += tail.value();
  }
  if (mov.kind == MmioMovKind::store_immediate) {
    const usize n = mov.width == 1 ? 1 : mov.width == 2 ? 2 : 4;  // imm32 sign-extended for 64-bit
    if (i + n > limit) return make_error(Status::truncated, "instruction bytes end inside the immediate", i);
    u64 imm = 0;
    for (usize k = 0; k < n; ++k) imm |= u64{code[i + k]} << (8 * k);
    if (mov.width == 8 && (imm >> 31)) imm |= 0xFFFFFFFF00000000;
    mov.immediate = imm;
    i += n;
  }
  if (i > limit) return make_error(Status::truncated, "instruction bytes end inside the displacement", i);
  mov.length = static_cast<u8>(i);
  return mov;
}

u64 mmio_load_value(const MmioMov& mov, u64 data) {
  u64 v = data & mask_of(mov.width);
  if (mov.extend == MmioExtend::sign && mov.width < 8 && ((v >> (8 * mov.width - 1)) & 1)) v |= ~mask_of(mov.width);
  return v & mask_of(mov.dest_width);
}

u64 mmio_merge_register(const MmioMov& mov, u64 old_register, u64 data) {
  const u64 v = mmio_load_value(mov, data);
  if (mov.high_byte) return (old_register & ~u64{0xFF00}) | (v << 8);
  if (mov.dest_width < 4) return (old_register & ~mask_of(mov.dest_width)) | v;
  return v;  // 32-bit destinations zero-extend, 64-bit ones are whole
}

u64 mmio_store_value(const MmioMov& mov, u64 source_register) {
  if (mov.kind == MmioMovKind::store_immediate) return mov.immediate & mask_of(mov.width);
  if (mov.high_byte) return (source_register >> 8) & 0xFF;
  return source_register & mask_of(mov.width);
}

}  // namespace nucleo

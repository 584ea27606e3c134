// SPDX-License-Identifier: MIT
// The MOV decoder for emulated APIC-page accesses (kernel/virt/lapic/
// mmio_mov.cpp): the opcodes in every addressing form's length (ModRM,
// SIB, disp8/16/32, RIP-relative), byte/word/quadword operands, AH..BH,
// MOVZX/MOVSX, moffs, prefixes, REX, and what it refuses (Zydis checks
// the same forms: host-tests/oracle/mmio_mov_zydis_oracle.cpp). Lengths were assembled by hand from SDM Vol. 2A Tables 2-1 to 2-3.
#include <gtest/gtest.h>

#include <vector>

#include "kernel/virt/lapic/mmio_mov.hpp"

namespace nucleo {
namespace {

Result<MmioMov> decode(std::vector<u8> bytes, CodeSize size) {
  return decode_mmio_mov(Span<const u8>(bytes.data(), bytes.size()), size);
}

struct Row {
  std::vector<u8> bytes;
  CodeSize size;
  MmioMovKind kind;
  u8 reg;
  u32 immediate;
  u8 length;
};

TEST(MmioMov, GivenEachAddressingFormWhenDecodedThenKindRegisterImmediateAndLength) {
  const Row rows[] = {
      // mov eax, [0xfee00030]          8B 05 disp32 (32-bit: mod 0 rm 5 = disp32)
      {{0x8B, 0x05, 0x30, 0x00, 0xE0, 0xFE}, CodeSize::bits32, MmioMovKind::load, 0, 0, 6},
      // mov ecx, [ebx]                  8B 0B
      {{0x8B, 0x0B}, CodeSize::bits32, MmioMovKind::load, 1, 0, 2},
      // mov [ebx+0xb0], eax             89 83 disp32
      {{0x89, 0x83, 0xB0, 0x00, 0x00, 0x00}, CodeSize::bits32, MmioMovKind::store_register, 0, 0, 6},
      // mov [ebx+0x10], edx             89 53 10
      {{0x89, 0x53, 0x10}, CodeSize::bits32, MmioMovKind::store_register, 2, 0, 3},
      // mov [eax+ecx*4], esi            89 34 88 (SIB)
      {{0x89, 0x34, 0x88}, CodeSize::bits32, MmioMovKind::store_register, 6, 0, 3},
      // mov esp, [ecx*8+0xfee00000]     8B 24 CD disp32 (SIB base 5, mod 0)
      {{0x8B, 0x24, 0xCD, 0x00, 0x00, 0xE0, 0xFE}, CodeSize::bits32, MmioMovKind::load, 4, 0, 7},
      // mov edi, [esp+0x20]             8B 7C 24 20 (SIB + disp8)
      {{0x8B, 0x7C, 0x24, 0x20}, CodeSize::bits32, MmioMovKind::load, 7, 0, 4},
      // mov ebp, [esp+eax+0x300]        8B AC 04 disp32 (SIB + disp32)
      {{0x8B, 0xAC, 0x04, 0x00, 0x03, 0x00, 0x00}, CodeSize::bits32, MmioMovKind::load, 5, 0, 7},
      // mov dword [0xfee000b0], 0       C7 05 disp32 imm32
      {{0xC7, 0x05, 0xB0, 0x00, 0xE0, 0xFE, 0x00, 0x00, 0x00, 0x00}, CodeSize::bits32, MmioMovKind::store_immediate, 0, 0, 10},
      // mov dword [ebx+0x80], 0x20      C7 83 disp32 imm32
      {{0xC7, 0x83, 0x80, 0x00, 0x00, 0x00, 0x20, 0x00, 0x00, 0x00}, CodeSize::bits32, MmioMovKind::store_immediate, 0, 0x20, 10},
      // mov dword [eax+0x10], 0x1ff     C7 40 10 imm32
      {{0xC7, 0x40, 0x10, 0xFF, 0x01, 0x00, 0x00}, CodeSize::bits32, MmioMovKind::store_immediate, 0, 0x1FF, 7},
      // fs: mov eax, [ebx]              64 8B 03 (segment override)
      {{0x64, 0x8B, 0x03}, CodeSize::bits32, MmioMovKind::load, 0, 0, 3},
      // 67: mov eax, [bx+si]            16-bit addressing inside 32-bit code
      {{0x67, 0x8B, 0x00}, CodeSize::bits32, MmioMovKind::load, 0, 0, 3},
      // 67: mov eax, [0x0300]           16-bit: mod 0 rm 6 = disp16
      {{0x67, 0x8B, 0x06, 0x00, 0x03}, CodeSize::bits32, MmioMovKind::load, 0, 0, 5},
      // 67: mov eax, [bp+di+0x1234]     mod 2 = disp16
      {{0x67, 0x8B, 0x83, 0x34, 0x12}, CodeSize::bits32, MmioMovKind::load, 0, 0, 5},
      // 16-bit code: 66 mov eax, [si+0x20]
      {{0x66, 0x8B, 0x44, 0x20}, CodeSize::bits16, MmioMovKind::load, 0, 0, 4},
      // 64-bit: mov eax, [rip+0x1000]   8B 05 disp32 (RIP-relative)
      {{0x8B, 0x05, 0x00, 0x10, 0x00, 0x00}, CodeSize::bits64, MmioMovKind::load, 0, 0, 6},
      // 64-bit: mov r9d, [rax+0x300]    44 8B 88 disp32 (REX.R)
      {{0x44, 0x8B, 0x88, 0x00, 0x03, 0x00, 0x00}, CodeSize::bits64, MmioMovKind::load, 9, 0, 7},
      // 64-bit: mov [r12+r13*2+0x10], r15d   47 89 7C 6C 10 (REX.RXB, SIB)
      {{0x47, 0x89, 0x7C, 0x6C, 0x10}, CodeSize::bits64, MmioMovKind::store_register, 15, 0, 5},
      // 64-bit: mov dword [rdi+0xb0], 0  41 C7 87 disp32 imm32 (REX.B)
      {{0x41, 0xC7, 0x87, 0xB0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00}, CodeSize::bits64, MmioMovKind::store_immediate, 0, 0, 11},
      // 64-bit: REX before a legacy prefix is dropped: 48 64 8B 00 is a 32-bit load
      {{0x48, 0x64, 0x8B, 0x00}, CodeSize::bits64, MmioMovKind::load, 0, 0, 4},
  };
  for (const Row& row : rows) {
    const Result<MmioMov> m = decode(row.bytes, row.size);
    ASSERT_TRUE(m) << m.error().what << " at " << row.bytes.size() << "-byte row, first " << int{row.bytes[0]};
    EXPECT_EQ(m->kind, row.kind) << "row starting " << std::hex << int{row.bytes[0]} << " " << int{row.bytes[1]};
    EXPECT_EQ(m->reg, row.reg) << "row starting " << std::hex << int{row.bytes[0]} << " " << int{row.bytes[1]};
    EXPECT_EQ(m->immediate, row.immediate);
    EXPECT_EQ(m->length, row.length) << "row starting " << std::hex << int{row.bytes[0]} << " " << int{row.bytes[1]};
  }
}

TEST(MmioMov, GivenEveryModrmInEachModeWhenDecodedThenLengthFollowsTheTables) {
  for (CodeSize size : {CodeSize::bits32, CodeSize::bits64}) {
    for (u32 modrm = 0; modrm < 0xC0; ++modrm) {
      for (u32 sib = 0; sib < 256; ++sib) {
        const u8 mod = static_cast<u8>(modrm >> 6), rm = modrm & 7;
        if (rm != 4 && sib != 0) continue;  // SIB only matters with rm = 4
        u8 want = 2;
        if (rm == 4) ++want;
        if (mod == 1) want += 1;
        if (mod == 2 || (mod == 0 && rm == 5) || (mod == 0 && rm == 4 && (sib & 7) == 5)) want += 4;
        std::vector<u8> bytes = {0x8B, static_cast<u8>(modrm)};
        if (rm == 4) bytes.push_back(static_cast<u8>(sib));
        bytes.resize(15, 0x90);
        const Result<MmioMov> m = decode(bytes, size);
        ASSERT_TRUE(m) << std::hex << modrm << " " << sib;
        EXPECT_EQ(m->length, want) << std::hex << "modrm " << modrm << " sib " << sib;
        EXPECT_EQ(m->reg, (modrm >> 3) & 7);
      }
    }
  }
}

TEST(MmioMov, GivenOtherInstructionsWhenDecodedThenRefusedWithAReason) {
  const struct {
    std::vector<u8> bytes;
    CodeSize size;
  } rows[] = {
      {{0x8B, 0xC3}, CodeSize::bits32},              // register to register
      {{0xC7, 0x4B, 0x10, 0, 0, 0, 0}, CodeSize::bits32},  // C7 /1
      {{0xF0, 0x89, 0x03}, CodeSize::bits32},        // LOCK
      {{0xF3, 0xA5}, CodeSize::bits32},              // REP MOVSD
      {{0x0F, 0xAF, 0x03}, CodeSize::bits32},        // IMUL r32, m32 (two-byte, not MOVZX/MOVSX)
      {{0xC6, 0x4B, 0x10, 0}, CodeSize::bits32},     // C6 /1
      {{0x0F, 0xB6, 0xC3}, CodeSize::bits32},        // MOVZX from a register
      {{0x8A, 0xC3}, CodeSize::bits32},              // MOV r8, r8
      {{0x87, 0x03}, CodeSize::bits32},              // XCHG
  };
  for (const auto& row : rows) {
    const Result<MmioMov> m = decode(row.bytes, row.size);
    EXPECT_FALSE(m) << "first byte " << std::hex << int{row.bytes[0]};
    if (!m) EXPECT_EQ(m.error().status, Status::unsupported);
  }
}

struct WidthRow {
  std::vector<u8> bytes;
  CodeSize size;
  MmioMovKind kind;
  u8 reg;
  bool high_byte;
  u8 width, dest_width;
  MmioExtend extend;
  u64 immediate;
  u8 length;
};

TEST(MmioMov, GivenByteWordQuadwordMoffsAndExtendingFormsWhenDecodedThenWidthsRegisterAndLength) {
  using K = MmioMovKind;
  using E = MmioExtend;
  constexpr CodeSize b16 = CodeSize::bits16, b32 = CodeSize::bits32, b64 = CodeSize::bits64;
  const WidthRow rows[] = {
      {{0x8A, 0x03}, b32, K::load, 0, false, 1, 1, E::none, 0, 2},                 // mov al, [ebx]
      {{0x8A, 0x23}, b32, K::load, 0, true, 1, 1, E::none, 0, 2},                  // mov ah, [ebx]
      {{0x8A, 0x3B}, b32, K::load, 3, true, 1, 1, E::none, 0, 2},                  // mov bh, [ebx]
      {{0x40, 0x8A, 0x23}, b64, K::load, 4, false, 1, 1, E::none, 0, 3},           // mov spl, [rbx] (REX)
      {{0x44, 0x88, 0x03}, b64, K::store_register, 8, false, 1, 1, E::none, 0, 3},  // mov [rbx], r8b
      {{0x88, 0x2B}, b32, K::store_register, 1, true, 1, 1, E::none, 0, 2},        // mov [ebx], ch
      {{0x66, 0x8B, 0x03}, b32, K::load, 0, false, 2, 2, E::none, 0, 3},           // mov ax, [ebx]
      {{0x8B, 0x07}, b16, K::load, 0, false, 2, 2, E::none, 0, 2},                 // 16-bit code: mov ax, [bx]
      {{0x48, 0x8B, 0x03}, b64, K::load, 0, false, 8, 8, E::none, 0, 3},           // mov rax, [rbx]
      {{0x66, 0x48, 0x8B, 0x03}, b64, K::load, 0, false, 8, 8, E::none, 0, 4},     // REX.W beats 66
      {{0xC6, 0x03, 0x81}, b32, K::store_immediate, 0, false, 1, 1, E::none, 0x81, 3},
      {{0x66, 0xC7, 0x03, 0x34, 0x12}, b32, K::store_immediate, 0, false, 2, 2, E::none, 0x1234, 5},
      {{0x48, 0xC7, 0x03, 0x00, 0x00, 0x00, 0x80}, b64, K::store_immediate, 0, false, 8, 8, E::none,
       0xFFFFFFFF80000000, 7},                                                    // imm32 sign-extended
      {{0x0F, 0xB6, 0x0B}, b32, K::load, 1, false, 1, 4, E::zero, 0, 3},           // movzx ecx, byte [ebx]
      {{0x0F, 0xB7, 0x0B}, b32, K::load, 1, false, 2, 4, E::zero, 0, 3},           // movzx ecx, word [ebx]
      {{0x0F, 0xBE, 0x2B}, b32, K::load, 5, false, 1, 4, E::sign, 0, 3},           // movsx ebp, byte [ebx]: no AH..BH
      {{0x66, 0x0F, 0xBE, 0x0B}, b32, K::load, 1, false, 1, 2, E::sign, 0, 4},     // movsx cx, byte [ebx]
      {{0x4C, 0x0F, 0xBF, 0x0B}, b64, K::load, 9, false, 2, 8, E::sign, 0, 4},     // movsx r9, word [rbx]
      {{0xA1, 0x80, 0x00, 0xE0, 0xFE}, b32, K::load, 0, false, 4, 4, E::none, 0, 5},   // mov eax, [moffs32]
      {{0xA0, 0x80, 0x00}, b16, K::load, 0, false, 1, 1, E::none, 0, 3},               // mov al, [moffs16]
      {{0x67, 0xA3, 0x80, 0x00}, b32, K::store_register, 0, false, 4, 4, E::none, 0, 4},  // 67: moffs16
      {{0xA2, 0x80, 0x00, 0xE0, 0xFE, 0, 0, 0, 0}, b64, K::store_register, 0, false, 1, 1, E::none, 0, 9},  // moffs64
      {{0x67, 0xA1, 0x80, 0x00, 0xE0, 0xFE}, b64, K::load, 0, false, 4, 4, E::none, 0, 6},  // 67: moffs32
  };
  for (const WidthRow& row : rows) {
    std::vector<u8> bytes = row.bytes;
    const usize n = bytes.size();
    bytes.resize(15, 0x90);
    const Result<MmioMov> m = decode(bytes, row.size);
    ASSERT_TRUE(m) << m.error().what << ", row starting " << std::hex << int{row.bytes[0]} << " " << int{row.bytes[1]};
    SCOPED_TRACE(testing::Message() << "row starting " << std::hex << int{row.bytes[0]} << " " << int{row.bytes[1]});
    EXPECT_EQ(m->kind, row.kind);
    EXPECT_EQ(m->reg, row.reg);
    EXPECT_EQ(m->high_byte, row.high_byte);
    EXPECT_EQ(m->width, row.width);
    EXPECT_EQ(m->dest_width, row.dest_width);
    EXPECT_EQ(m->extend, row.extend);
    EXPECT_EQ(m->immediate, row.immediate);
    EXPECT_EQ(m->length, row.length);
    EXPECT_EQ(m->length, n);
  }
}

TEST(MmioMov, GivenLoadedBytesWhenMergedThenTheDestinationsWidthRulesApply) {
  MmioMov m;
  m.width = m.dest_width = 1;
  EXPECT_EQ(mmio_merge_register(m, 0x1122334455667788, 0xAB), 0x11223344556677ABu);
  m.high_byte = true;
  EXPECT_EQ(mmio_merge_register(m, 0x1122334455667788, 0xAB), 0x112233445566AB88u);
  EXPECT_EQ(mmio_store_value(m, 0xABCD), 0xABu);
  m = MmioMov{};
  m.width = m.dest_width = 2;
  EXPECT_EQ(mmio_merge_register(m, 0x1122334455667788, 0xFFFFABCD), 0x112233445566ABCDu);
  m.width = 1;
  m.dest_width = 8;
  m.extend = MmioExtend::sign;
  EXPECT_EQ(mmio_merge_register(m, 0, 0x80), 0xFFFFFFFFFFFFFF80u);
  m.extend = MmioExtend::zero;
  EXPECT_EQ(mmio_merge_register(m, ~u64{0}, 0x80), 0x80u);
  m.width = m.dest_width = 4;
  m.extend = MmioExtend::none;
  EXPECT_EQ(mmio_merge_register(m, ~u64{0}, 0x12345678), 0x12345678u);
  EXPECT_EQ(mmio_store_value(m, 0xAAAAAAAA12345678), 0x12345678u);
  m.kind = MmioMovKind::store_immediate;
  m.immediate = 0xFFFFFFFF80000000;
  EXPECT_EQ(mmio_store_value(m, 0), 0x80000000u);
}

TEST(MmioMov, GivenTruncatedBytesWhenDecodedThenTruncatedAndNothingReadPastTheEnd) {
  const std::vector<u8> full = {0xC7, 0x05, 0xB0, 0x00, 0xE0, 0xFE, 0x01, 0x02, 0x03, 0x04};
  for (usize n = 0; n < full.size(); ++n) {
    const Result<MmioMov> m = decode(std::vector<u8>(full.begin(), full.begin() + static_cast<long>(n)), CodeSize::bits32);
    ASSERT_FALSE(m) << n;
    EXPECT_EQ(m.error().status, Status::truncated) << n;
  }
  EXPECT_TRUE(decode(full, CodeSize::bits32));
  EXPECT_FALSE(decode(std::vector<u8>(15, 0x66), CodeSize::bits32)) << "prefixes only";
}

}  // namespace
}  // namespace nucleo

// SPDX-License-Identifier: MIT
// The MOV decoder for emulated APIC-page accesses (kernel/virt/lapic/
// mmio_mov.cpp): the three opcodes in every addressing form's length
// (ModRM, SIB, disp8/16/32, RIP-relative), prefixes, REX.R, and what it
// refuses. Lengths were assembled by hand from SDM Vol. 2A Tables 2-1 to 2-3.
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
      {{0x8A, 0x03}, CodeSize::bits32},              // MOV r8, m8
      {{0x66, 0x8B, 0x03}, CodeSize::bits32},        // 16-bit operand
      {{0x8B, 0x03}, CodeSize::bits16},              // 16-bit operand by default
      {{0x48, 0x8B, 0x03}, CodeSize::bits64},        // REX.W
      {{0x8B, 0xC3}, CodeSize::bits32},              // register to register
      {{0xC7, 0x4B, 0x10, 0, 0, 0, 0}, CodeSize::bits32},  // C7 /1
      {{0xF0, 0x89, 0x03}, CodeSize::bits32},        // LOCK
      {{0xF3, 0xA5}, CodeSize::bits32},              // REP MOVSD
      {{0x0F, 0xB6, 0x03}, CodeSize::bits32},        // MOVZX
      {{0x87, 0x03}, CodeSize::bits32},              // XCHG
  };
  for (const auto& row : rows) {
    const Result<MmioMov> m = decode(row.bytes, row.size);
    EXPECT_FALSE(m) << "first byte " << std::hex << int{row.bytes[0]};
    if (!m) EXPECT_EQ(m.error().status, Status::unsupported);
  }
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

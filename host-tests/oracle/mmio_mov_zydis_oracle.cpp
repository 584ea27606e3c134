// SPDX-License-Identifier: MIT
// Zydis as the oracle for the APIC-access decoder (kernel/virt/lapic/
// mmio_mov.cpp): every opcode of the MOV family it knows (88-8B, C6/C7,
// A0-A3, 0F B6/B7/BE/BF), with every ModRM byte, SIB bases with and
// without a displacement, operand- and address-size prefixes, a segment
// override and REX variants, in 64-, 32- and 16-bit code. Where Zydis sees
// a MOV/MOVZX/MOVSX with a memory operand, the decoder must accept it with
// the same length, memory width, register (AH..BH and SPL..DIL included),
// destination width and immediate; where Zydis sees anything else (a
// register operand, an invalid encoding), the decoder must refuse it.
#include <Zydis/Zydis.h>
#include <gtest/gtest.h>

#include <vector>

#include "kernel/virt/lapic/mmio_mov.hpp"

namespace nucleo {
namespace {

struct Mode {
  ZydisMachineMode machine;
  ZydisStackWidth stack;
  CodeSize ours;
  const char* name;
};
constexpr Mode kModes[] = {
    {ZYDIS_MACHINE_MODE_LONG_64, ZYDIS_STACK_WIDTH_64, CodeSize::bits64, "64-bit"},
    {ZYDIS_MACHINE_MODE_LONG_COMPAT_32, ZYDIS_STACK_WIDTH_32, CodeSize::bits32, "32-bit"},
    {ZYDIS_MACHINE_MODE_LONG_COMPAT_16, ZYDIS_STACK_WIDTH_16, CodeSize::bits16, "16-bit"},
};

// The Zydis register our (reg, high_byte) names at `width` bytes.
ZydisRegister zydis_register(u8 reg, bool high_byte, u8 width) {
  const int r = reg;
  switch (width) {
    case 1:
      if (high_byte) return static_cast<ZydisRegister>(ZYDIS_REGISTER_AH + r);
      return static_cast<ZydisRegister>(ZYDIS_REGISTER_AL + (r < 4 ? r : r + 4));  // SPL.. after BH
    case 2: return static_cast<ZydisRegister>(ZYDIS_REGISTER_AX + r);
    case 4: return static_cast<ZydisRegister>(ZYDIS_REGISTER_EAX + r);
    default: return static_cast<ZydisRegister>(ZYDIS_REGISTER_RAX + r);
  }
}

struct Outcome {
  u32 accepted = 0, refused = 0;
};

void check(const Mode& m, const ZydisDecoder& decoder, const std::vector<u8>& bytes, Outcome& out) {
  ZydisDecodedInstruction insn;
  ZydisDecodedOperand ops[ZYDIS_MAX_OPERAND_COUNT];
  const bool valid = ZYAN_SUCCESS(ZydisDecoderDecodeFull(&decoder, bytes.data(), bytes.size(), &insn, ops));
  const bool family = valid && (insn.mnemonic == ZYDIS_MNEMONIC_MOV || insn.mnemonic == ZYDIS_MNEMONIC_MOVZX ||
                                insn.mnemonic == ZYDIS_MNEMONIC_MOVSX);
  int mem = -1;
  for (int i = 0; family && i < insn.operand_count_visible; ++i)
    if (ops[i].type == ZYDIS_OPERAND_TYPE_MEMORY) mem = i;
  const Result<MmioMov> ours = decode_mmio_mov(Span<const u8>(bytes.data(), bytes.size()), m.ours);
  std::string hex;
  for (usize i = 0; i < 8 && i < bytes.size(); ++i) hex += " " + std::to_string(bytes[i]);
  if (mem < 0) {
    EXPECT_FALSE(ours) << m.name << " bytes" << hex << ": Zydis sees no memory MOV";
    ++out.refused;
    return;
  }
  ASSERT_TRUE(ours) << m.name << " bytes" << hex << ": " << ours.error().what;
  const MmioMov& mov = ours.value();
  EXPECT_EQ(mov.length, insn.length) << m.name << hex;
  EXPECT_EQ(u32{mov.width} * 8, ops[mem].size) << m.name << hex;
  const int other = mem == 0 ? 1 : 0;
  if (mem == 0) {  // a store: register or immediate source
    if (ops[other].type == ZYDIS_OPERAND_TYPE_IMMEDIATE) {
      EXPECT_EQ(mov.kind, MmioMovKind::store_immediate) << m.name << hex;
      const u64 mask = mov.width == 8 ? ~u64{0} : (u64{1} << (8 * mov.width)) - 1;
      EXPECT_EQ(mov.immediate, ops[other].imm.value.u & mask) << m.name << hex;
    } else {
      EXPECT_EQ(mov.kind, MmioMovKind::store_register) << m.name << hex;
      EXPECT_EQ(zydis_register(mov.reg, mov.high_byte, mov.width), ops[other].reg.value) << m.name << hex;
    }
  } else {
    EXPECT_EQ(mov.kind, MmioMovKind::load) << m.name << hex;
    EXPECT_EQ(u32{mov.dest_width} * 8, ops[other].size) << m.name << hex;
    EXPECT_EQ(zydis_register(mov.reg, mov.high_byte, mov.dest_width), ops[other].reg.value) << m.name << hex;
    const MmioExtend want = insn.mnemonic == ZYDIS_MNEMONIC_MOVZX   ? MmioExtend::zero
                            : insn.mnemonic == ZYDIS_MNEMONIC_MOVSX ? MmioExtend::sign
                                                                    : MmioExtend::none;
    EXPECT_EQ(mov.extend, want) << m.name << hex;
  }
  ++out.accepted;
}

TEST(MmioMovZydisOracle, GivenEveryFormOfTheMovFamilyWhenBothDecodeThenTheyAgree) {
  const std::vector<std::vector<u8>> opcodes = {{0x88}, {0x89}, {0x8A}, {0x8B}, {0xC6}, {0xC7}, {0xA0},
                                                {0xA1}, {0xA2}, {0xA3}, {0x0F, 0xB6}, {0x0F, 0xB7},
                                                {0x0F, 0xBE}, {0x0F, 0xBF}};
  const std::vector<std::vector<u8>> legacy = {{}, {0x66}, {0x67}, {0x66, 0x67}, {0x2E}, {0x64, 0x66}};
  const std::vector<int> rexes = {-1, 0x40, 0x41, 0x44, 0x48, 0x4C, 0x4F};
  const u8 sibs[] = {0x00, 0x25, 0xE5};
  Outcome out;
  for (const Mode& m : kModes) {
    ZydisDecoder decoder;
    ASSERT_TRUE(ZYAN_SUCCESS(ZydisDecoderInit(&decoder, m.machine, m.stack)));
    for (const auto& prefixes : legacy) {
      for (const int rex : rexes) {
        if (rex >= 0 && m.ours != CodeSize::bits64) continue;
        for (const auto& opcode : opcodes) {
          const bool moffs = opcode.size() == 1 && opcode[0] >= 0xA0 && opcode[0] <= 0xA3;
          for (u32 modrm = 0; modrm < (moffs ? 1u : 256u); ++modrm) {
            for (const u8 sib : sibs) {
              if (!moffs && (modrm & 7) != 4 && sib != 0) continue;  // SIB only with rm = 4
              if (moffs && sib != 0) continue;
              std::vector<u8> bytes = prefixes;
              if (rex >= 0) bytes.push_back(static_cast<u8>(rex));
              bytes.insert(bytes.end(), opcode.begin(), opcode.end());
              if (!moffs) bytes.push_back(static_cast<u8>(modrm));
              if (!moffs && (modrm & 7) == 4 && (modrm >> 6) != 3) bytes.push_back(sib);
              // Displacement and immediate bytes, then what follows in the guest's code.
              for (const int b : {0x80, 0x00, 0xE0, 0xFE, 0x81, 0x92, 0xA3, 0xB4, 0xC5, 0xD6}) bytes.push_back(static_cast<u8>(b));
              bytes.resize(15, 0x90);
              check(m, decoder, bytes, out);
            }
          }
        }
      }
    }
  }
  // Both sides of the comparison happened, many times.
  EXPECT_GT(out.accepted, 10000u);
  EXPECT_GT(out.refused, 1000u);
}

}  // namespace
}  // namespace nucleo

// SPDX-License-Identifier: MIT
// Zydis as the oracle for the extended instructions' encodings: every guest
// instruction of the table (vmx/ext/isa_table.hpp), in every form a guest
// can write it (each ModRM register pair, with and without REX, in 64-, 32-
// and 16-bit code, with the decoder's optional instruction sets switched
// on), must be an invalid instruction on today's x86 processors, so that
// it raises #UD and reaches the hypervisor, and a VM without the proposal
// sees exactly what a real processor does. The same decoder accepts the
// instructions around them, so a failure to decode is not a broken set-up.
#include <Zydis/Zydis.h>
#include <gtest/gtest.h>

#include <vector>

#include "vmx/ext/isa_decode.hpp"
#include "vmx/ext/isa_table.hpp"

namespace nucleo::vmx::ext {
namespace {

struct Mode {
  ZydisMachineMode machine;
  ZydisStackWidth stack;
  CodeMode ours;
  const char* name;
};
constexpr Mode kModes[] = {
    {ZYDIS_MACHINE_MODE_LONG_64, ZYDIS_STACK_WIDTH_64, CodeMode::long64, "64-bit"},
    {ZYDIS_MACHINE_MODE_LONG_COMPAT_32, ZYDIS_STACK_WIDTH_32, CodeMode::protected32, "32-bit"},
    {ZYDIS_MACHINE_MODE_LONG_COMPAT_16, ZYDIS_STACK_WIDTH_16, CodeMode::protected16, "16-bit"},
};

// Zydis decodes the first instruction of `bytes`; true if it is valid.
bool zydis_valid(const Mode& m, const std::vector<u8>& bytes, bool knc) {
  ZydisDecoder decoder;
  if (ZYAN_FAILED(ZydisDecoderInit(&decoder, m.machine, m.stack))) ADD_FAILURE() << "ZydisDecoderInit";
  if (knc) (void)ZydisDecoderEnableMode(&decoder, ZYDIS_DECODER_MODE_KNC, ZYAN_TRUE);
  (void)ZydisDecoderEnableMode(&decoder, ZYDIS_DECODER_MODE_AMD_BRANCHES, ZYAN_TRUE);
  ZydisDecoderContext context;
  ZydisDecodedInstruction instruction;
  return ZYAN_SUCCESS(ZydisDecoderDecodeInstruction(&decoder, &context, bytes.data(), bytes.size(), &instruction));
}

TEST(IsaZydisOracle, GivenEveryFormOfEveryProposedInstructionWhenZydisDecodesItThenItIsInvalid) {
  u32 forms = 0;
  for (const Proposal& p : kProposals) {
    if (!has_opcode(p.kind)) continue;  // guest and root-mode instructions alike
    for (const Mode& m : kModes) {
      for (u32 rex = 0x40; rex <= 0x50; ++rex) {
        if (rex != 0x50 && m.ours != CodeMode::long64) continue;
        for (u32 modrm = 0xC0; modrm <= 0xFF; ++modrm) {
          std::vector<u8> bytes;
          if (rex != 0x50) bytes.push_back(static_cast<u8>(rex));
          bytes.insert(bytes.end(), {kEscape0, kEscape1, p.opcode, static_cast<u8>(modrm)});
          // Our decoder takes it; Zydis, with or without Knights Corner, refuses it.
          ASSERT_EQ(decode(Span<const u8>(bytes.data(), bytes.size()), m.ours).status, Decoded::Status::ok);
          bytes.resize(15, 0x90);  // what follows in the guest's code
          EXPECT_FALSE(zydis_valid(m, bytes, false)) << p.mnemonic << " " << m.name << " modrm " << modrm;
          EXPECT_FALSE(zydis_valid(m, bytes, true)) << p.mnemonic << " KNC " << m.name << " modrm " << modrm;
          ++forms;
        }
      }
    }
  }
  EXPECT_GT(forms, 0u);
}

TEST(IsaZydisOracle, GivenTheInstructionsAroundTheMapWhenZydisDecodesThemThenTheyAreValid) {
  const std::vector<u8> valid[] = {
      {0x0F, 0xA2}, {0x0F, 0x0B},      {0x0F, 0x01, 0xC1}, {0x0F, 0x38, 0xF0, 0x00}, {0x0F, 0x3A, 0x0F, 0xC1, 0x01},
      {0x0F, 0x09}, {0x0F, 0x0D, 0x08}};
  for (const Mode& m : kModes)
    for (std::vector<u8> bytes : valid) {
      bytes.resize(15, 0x90);
      EXPECT_TRUE(zydis_valid(m, bytes, false)) << m.name << " " << int{bytes[1]};
    }
}

}  // namespace
}  // namespace nucleo::vmx::ext

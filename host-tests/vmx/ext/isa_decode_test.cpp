// SPDX-License-Identifier: MIT
// The 0F 0A map decoder (vmx/ext/isa_decode.hpp), table-driven.
#include "vmx/ext/isa_decode.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace nucleo::vmx::ext {
namespace {

Decoded run(std::vector<u8> bytes, CodeMode mode = CodeMode::long64) {
  return decode(Span<const u8>(bytes.data(), bytes.size()), mode);
}

TEST(IsaDecode, GivenEachGuestInstructionWhenDecodedThenProposalOperandsAndLength) {
  for (const Proposal& p : kProposals) {
    if (p.kind != Kind::guest_instruction) continue;
    SCOPED_TRACE(p.mnemonic);
    const Decoded d = run({0x0F, 0x0A, p.opcode, 0xC1, 0x90});  // reg = 0 (rAX), rm = 1 (rCX)
    ASSERT_EQ(d.status, Decoded::Status::ok) << d.why;
    EXPECT_EQ(d.proposal, &p);
    EXPECT_EQ(d.reg, 0);
    EXPECT_EQ(d.rm, 1);
    EXPECT_EQ(d.length, 4);
    EXPECT_FALSE(d.rex_w);
  }
}

TEST(IsaDecode, GivenRexIn64BitModeWhenDecodedThenItExtendsBothRegistersAndCountsInTheLength) {
  const Decoded d = run({0x4D, 0x0F, 0x0A, 0x01, 0xD7});  // REX.WRB, reg = 2 + 8, rm = 7 + 8
  ASSERT_EQ(d.status, Decoded::Status::ok);
  EXPECT_EQ(d.reg, 10);
  EXPECT_EQ(d.rm, 15);
  EXPECT_TRUE(d.rex_w);
  EXPECT_EQ(d.length, 5);
}

TEST(IsaDecode, GivenA40hByteOutside64BitModeWhenDecodedThenItIsNoRexAndNotTheMap) {
  // 40h is INC EAX in 32-bit code: the bytes are not an extended instruction.
  EXPECT_EQ(run({0x40, 0x0F, 0x0A, 0x01, 0xC1}, CodeMode::protected32).status, Decoded::Status::not_extension);
  EXPECT_EQ(run({0x0F, 0x0A, 0x01, 0xC1}, CodeMode::protected32).status, Decoded::Status::ok);
  EXPECT_EQ(run({0x0F, 0x0A, 0x01, 0xC1}, CodeMode::protected16).status, Decoded::Status::ok);
}

TEST(IsaDecode, GivenMalformedFormsOfTheMapWhenDecodedThenInvalidWithTheProposalAndAReason) {
  struct Case {
    std::vector<u8> bytes;
    CodeMode mode;
    const char* why;
  };
  const Case cases[] = {
      {{0x0F, 0x0A, 0x01, 0x01}, CodeMode::long64, "a memory operand (ModRM.mod != 11b)"},
      {{0x0F, 0x0A, 0x02, 0x81}, CodeMode::long64, "a memory operand (ModRM.mod != 11b)"},
      {{0xF0, 0x0F, 0x0A, 0x01, 0xC1}, CodeMode::long64, "a legacy prefix before the 0F 0A map"},
      {{0x66, 0x0F, 0x0A, 0x02, 0xC1}, CodeMode::long64, "a legacy prefix before the 0F 0A map"},
      {{0xF3, 0x0F, 0x0A, 0x01, 0xC1}, CodeMode::protected32, "a legacy prefix before the 0F 0A map"},
      {{0x2E, 0x0F, 0x0A, 0x01, 0xC1}, CodeMode::long64, "a legacy prefix before the 0F 0A map"},
      {{0x0F, 0x0A, 0x01, 0xC1}, CodeMode::real, "not in real-address mode"},
  };
  for (const Case& c : cases) {
    const Decoded d = run(c.bytes, c.mode);
    EXPECT_EQ(d.status, Decoded::Status::invalid) << c.why;
    ASSERT_NE(d.proposal, nullptr) << c.why;
    EXPECT_STREQ(d.why, c.why);
  }
}

TEST(IsaDecode, GivenAnOpcodeNoProposalHasWhenDecodedThenInvalidWithoutAProposal) {
  for (u32 op = 0; op < 256; ++op) {
    if (by_opcode(static_cast<u8>(op))) continue;
    const Decoded d = run({0x0F, 0x0A, static_cast<u8>(op), 0xC0});
    EXPECT_EQ(d.status, Decoded::Status::invalid) << op;
    EXPECT_EQ(d.proposal, nullptr);
  }
}

TEST(IsaDecode, GivenOtherInstructionsWhenDecodedThenNotTheMap) {
  const std::vector<u8> others[] = {
      {0x0F, 0x0B}, {0x0F, 0xA2}, {0x90},      {0x0F, 0x01, 0xC1}, {0x48, 0x0F, 0x0B}, {0x0F, 0x38, 0x01, 0xC1},
      {},           {0x48},       {0x66, 0x66}};
  for (const auto& bytes : others) EXPECT_EQ(run(bytes).status, Decoded::Status::not_extension);
}

TEST(IsaDecode, GivenAFetchThatStoppedInsideTheInstructionWhenDecodedThenTruncated) {
  EXPECT_EQ(run({0x0F}).status, Decoded::Status::truncated);
  EXPECT_EQ(run({0x0F, 0x0A}).status, Decoded::Status::truncated);
  EXPECT_EQ(run({0x4C, 0x0F, 0x0A, 0x01}).status, Decoded::Status::truncated);
}

TEST(IsaDecode, GivenFifteenPrefixesWhenDecodedThenTheDecoderStaysInsideTheBytes) {
  const std::vector<u8> prefixes(15, 0x66);
  EXPECT_EQ(run(prefixes).status, Decoded::Status::not_extension);
}

}  // namespace
}  // namespace nucleo::vmx::ext

// SPDX-License-Identifier: MIT
// The proposal table (vmx/ext/isa_table.hpp): ids, names, encodings and the
// cost model's arithmetic.
#include "vmx/ext/isa_table.hpp"
#include "vmx/ext/isa_state.hpp"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace nucleo::vmx::ext {
namespace {

TEST(IsaTable, GivenTheTableWhenWalkedThenEachEntrySitsAtItsIdWithUniqueNamesAndOpcodes) {
  std::set<std::string> names;
  std::set<u8> opcodes;
  std::string listed;
  for (u32 i = 0; i < kIdCount; ++i) {
    const Proposal& p = kProposals[i];
    EXPECT_EQ(static_cast<u32>(p.id), i);
    EXPECT_TRUE(names.insert(p.name).second) << p.name;
    EXPECT_EQ(by_name(Str(p.name)), &p);
    EXPECT_EQ(&proposal(p.id), &p);
    for (const char* text : {p.title, p.operation, p.faults, p.vmx_changes, p.replaces, p.workload, p.cost_basis})
      EXPECT_NE(std::string(text), "") << p.name;
    if (has_opcode(p.kind)) {
      EXPECT_NE(p.opcode, 0) << p.name;
      EXPECT_TRUE(opcodes.insert(p.opcode).second) << p.name;
      EXPECT_EQ(by_opcode(p.opcode), &p);
    } else {
      EXPECT_EQ(p.opcode, 0) << p.name;
    }
    if (per_vm(p.kind)) listed += (listed.empty() ? "" : ", ") + std::string(p.name);
  }
  EXPECT_EQ(listed, all_names());
  EXPECT_EQ(by_name(Str("nope")), nullptr);
  EXPECT_EQ(by_opcode(0), nullptr);
  EXPECT_EQ(kAllIds, (1u << kIdCount) - 1);
}

TEST(IsaTable, GivenBinveptWhenLookedUpThenItIsARootInstructionOfTheMapThatNoVmLists) {
  const Proposal& p = proposal(Id::binvept);
  EXPECT_EQ(p.kind, Kind::root_instruction);
  EXPECT_EQ(by_opcode(0x10), &p);
  EXPECT_FALSE(per_vm(p.kind));
  EXPECT_TRUE(per_vm(Kind::guest_instruction) && per_vm(Kind::vmx_feature));
  EXPECT_EQ(std::string(all_names()).find("binvept"), std::string::npos);
}

TEST(IsaTable, GivenACostModelWhenConvertedThenEachUnitWeighsItsCalibration) {
  static_assert(instruction_equivalents(CostModel{}) == 0);
  constexpr Calibration k{1, 10, 100, 1000};
  static_assert(instruction_equivalents(CostModel{3, 0, 0, 0}, k) == 3);
  static_assert(instruction_equivalents(CostModel{0, 2, 0, 0}, k) == 20);
  static_assert(instruction_equivalents(CostModel{0, 0, 2, 0}, k) == 200);
  static_assert(instruction_equivalents(CostModel{1, 1, 1, 1}, k) == 1111);
  EXPECT_EQ(instruction_equivalents(proposal(Id::vipi).cost),
            12u * kCalibration.microcode_step + 3u * kCalibration.memory_access + 2u * kCalibration.line_transfer +
                kCalibration.interconnect_message);
  EXPECT_STREQ(kind_name(Kind::vmx_feature), "VMX feature");
  EXPECT_STREQ(kind_name(Kind::guest_instruction), "guest instruction");
  EXPECT_STREQ(kind_name(Kind::root_instruction), "root-mode instruction");
  EXPECT_STREQ(kind_name(static_cast<Kind>(9)), "?");
}

TEST(IsaTable, GivenTwoVcpusCountersWhenSummedForIsaStatsThenEachFieldAddsUp) {
  IsaStats a, b;
  a.executed[0] = 1, a.faulted[1] = 2, a.targets[2] = 3, a.elided_exits[3] = 4, a.emulation_tsc[0] = 5;
  b.executed[0] = 10, b.faulted[1] = 20, b.targets[2] = 30, b.elided_exits[3] = 40, b.emulation_tsc[0] = 50;
  nucleo_hc_isa_stats out{};
  add_isa_stats(out, a);
  add_isa_stats(out, b);
  EXPECT_EQ(out.executed[0], 11u);
  EXPECT_EQ(out.faulted[1], 22u);
  EXPECT_EQ(out.targets[2], 33u);
  EXPECT_EQ(out.elided_exits[3], 44u);
  EXPECT_EQ(out.emulation_tsc[0], 55u);
  EXPECT_EQ(out.executed[1], 0u);
}

}  // namespace
}  // namespace nucleo::vmx::ext

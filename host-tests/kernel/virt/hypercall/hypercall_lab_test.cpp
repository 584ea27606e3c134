// SPDX-License-Identifier: MIT
// The hypercalls of the extended-instructions laboratory (docs/isa-lab.md):
// ISA_STATS and MIGRATE_PAGE, against the fake environment.
#include <gtest/gtest.h>

#include <cstring>

#include "host-tests/kernel/virt/hypercall/hypercall_rig.hpp"

namespace nucleo {
namespace {

using hypercall_test::Action;
using hypercall_test::err;
using hypercall_test::Rig;

TEST(HypercallDispatch, GivenIsaStatsWithRoomWhenCalledThenTheCountersAreWrittenAndTheirSizeReturned) {
  Rig r;
  EXPECT_EQ(r.call(NUCLEO_HC_ISA_STATS, 0x1000, 4096), sizeof(nucleo_hc_isa_stats));
  nucleo_hc_isa_stats s;
  std::memcpy(&s, r.env.ram.data() + 0x1000, sizeof s);
  EXPECT_EQ(s.size, sizeof s);
  EXPECT_EQ(s.proposal_count, 4u);
  EXPECT_EQ(s.executed[0], 12u);
  EXPECT_EQ(s.elided_exits[1], 34u);
  EXPECT_EQ(s.faulted[0], 0u);
  EXPECT_EQ(r.env.ram[0x1000 + sizeof s], 0);
}

TEST(HypercallDispatch, GivenIsaStatsWithABadBufferWhenCalledThenErrorAndTheEnvIsNotAsked) {
  Rig r;
  const u64 size = sizeof(nucleo_hc_isa_stats);
  const u64 end = r.env.ram.size();
  EXPECT_EQ(r.call(NUCLEO_HC_ISA_STATS, 0x1000, size - 1), err(NUCLEO_HC_E_RANGE));
  EXPECT_EQ(r.call(NUCLEO_HC_ISA_STATS, 0x1004, size), err(NUCLEO_HC_E_INVALID));
  EXPECT_EQ(r.call(NUCLEO_HC_ISA_STATS, end - size + 8, size), err(NUCLEO_HC_E_RANGE));
  EXPECT_EQ(r.call(NUCLEO_HC_ISA_STATS, 0x1000, size, 1), err(NUCLEO_HC_E_INVALID));
  EXPECT_EQ(r.env.isa_stats_calls, 0u);
  EXPECT_EQ(r.call(NUCLEO_HC_ISA_STATS, end - size, size), size);
}

TEST(HypercallDispatch, GivenMigratePageOfAnAlignedRamPageWhenCalledThenTheEnvMovesItTheWayAsked) {
  Rig r;
  const u64 last = r.env.ram.size() - 4096;
  EXPECT_EQ(r.call(NUCLEO_HC_MIGRATE_PAGE, 0x3000, NUCLEO_HC_MIGRATE_BASELINE), 0u);
  EXPECT_EQ(r.call(NUCLEO_HC_MIGRATE_PAGE, last, NUCLEO_HC_MIGRATE_BINVEPT), 0u);
  EXPECT_EQ(r.call(NUCLEO_HC_MIGRATE_PAGE, 0, NUCLEO_HC_MIGRATE_BINVEPT), 0u);
  using M = FakeHypercallEnv::Migration;
  EXPECT_EQ(r.env.migrations, (std::vector<M>{{0x3000, false}, {last, true}, {0, true}}));
  EXPECT_EQ(r.regs.rbx, 0u);  // nothing but RAX comes back
  EXPECT_EQ(r.regs.rcx, u64{NUCLEO_HC_MIGRATE_BINVEPT});
  EXPECT_EQ(r.result.action, Action::complete);
}

TEST(HypercallDispatch, GivenMigratePageOutsideRamMisalignedOrWithBadFlagsThenErrorAndNothingMoves) {
  Rig r;
  const u64 end = r.env.ram.size();
  const struct {
    u64 gpa, how, rdx, rsi;
    long long error;
  } cases[] = {
      {0x3000, 0, 1, 0, NUCLEO_HC_E_INVALID},     {0x3000, 0, 0, 1, NUCLEO_HC_E_INVALID},
      {0x3000, 2, 0, 0, NUCLEO_HC_E_INVALID},     {0x3000, ~u64{0}, 0, 0, NUCLEO_HC_E_INVALID},
      {end, 0, 0, 0, NUCLEO_HC_E_RANGE},          {end + 0x800, 1, 0, 0, NUCLEO_HC_E_RANGE},
      {0xFEE00000, 0, 0, 0, NUCLEO_HC_E_RANGE},   {~u64{0} & ~u64{0xFFF}, 0, 0, 0, NUCLEO_HC_E_RANGE},
      {u64{1} << 40, 1, 0, 0, NUCLEO_HC_E_RANGE}, {0x3008, 0, 0, 0, NUCLEO_HC_E_INVALID},
      {end - 1, 1, 0, 0, NUCLEO_HC_E_INVALID},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(r.call(NUCLEO_HC_MIGRATE_PAGE, c.gpa, c.how, c.rdx, c.rsi), err(c.error)) << c.gpa << " " << c.how;
    EXPECT_TRUE(r.nothing_done()) << c.gpa;
  }
}

TEST(HypercallDispatch, GivenMigratePageOfMorePagesThanTheVmMayMoveThenRangeForTheNextNewOne) {
  Rig r;
  for (u64 i = 0; i < NUCLEO_HC_MIGRATE_MAX_PAGES; ++i)
    EXPECT_EQ(r.call(NUCLEO_HC_MIGRATE_PAGE, i * 4096, NUCLEO_HC_MIGRATE_BASELINE), 0u) << i;
  EXPECT_EQ(r.call(NUCLEO_HC_MIGRATE_PAGE, 0x10000, NUCLEO_HC_MIGRATE_BASELINE), err(NUCLEO_HC_E_RANGE));
  EXPECT_EQ(r.call(NUCLEO_HC_MIGRATE_PAGE, 0x1000, NUCLEO_HC_MIGRATE_BINVEPT), 0u);  // a moved page moves again
}

}  // namespace
}  // namespace nucleo

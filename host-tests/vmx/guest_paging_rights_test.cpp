// SPDX-License-Identifier: MIT
// The access rights of a guest page walk (kernel/virt/guest_paging.cpp,
// SDM Vol. 3A 5.6) and the #PF error code of a refused or missing page
// (5.7): U/S and R/W of every level, CR0.WP, execute-disable with
// EFER.NXE, SMEP, SMAP with RFLAGS.AC; in 32-bit, PAE and 4-level paging.
#include <gtest/gtest.h>

#include "host-tests/support/paging_vm.hpp"
#include "kernel/virt/guest_paging.hpp"

namespace nucleo {
namespace {

constexpr u64 kPg = 1u << 31, kPe = 1, kWp = 1u << 16;
constexpr u64 kPae = 1u << 5, kSmep = 1u << 20, kSmap = 1u << 21;
constexpr u64 kLma = 1u << 10, kNxe = 1u << 11;
constexpr u64 kP = 1, kRw = 2, kUs = 4, kNx = u64{1} << 63;

using Rig = test::PagingVm;

GuestAccess access(bool write, bool user, bool fetch = false, bool ac = false) {
  GuestAccess a;
  a.write = write;
  a.user = user;
  a.fetch = fetch;
  a.ac = ac;
  return a;
}

::testing::AssertionResult faults(const GuestTranslation& t, u32 error_code) {
  if (t.kind == GuestTranslation::Kind::page_fault && t.error_code == error_code)
    return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "kind " << static_cast<int>(t.kind) << ", error code " << t.error_code
                                       << " (" << t.why << "), expected #PF " << error_code;
}
::testing::AssertionResult allowed(const GuestTranslation& t, u64 gpa) {
  if (t.kind == GuestTranslation::Kind::ok && t.gpa == gpa) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "refused: " << t.why;
}

// 32-bit paging: PD at 0x100000. 0x00400000-: a user, writable table whose
// pages are: 0x0 user RW, 0x1 user read-only, 0x2 supervisor RW.
// 0x00800000-: a supervisor table, its page 0 marked user RW.
struct Paging32 : Rig {
  GuestPagingState s{kPg | kPe, 0x100000, 0, 0};
  Paging32() {
    put32(0x100000 + 1 * 4, 0x101000 | kP | kRw | kUs);
    put32(0x101000 + 0 * 4, 0x150000 | kP | kRw | kUs);
    put32(0x101000 + 1 * 4, 0x151000 | kP | kUs);
    put32(0x101000 + 2 * 4, 0x152000 | kP | kRw);
    put32(0x100000 + 2 * 4, 0x102000 | kP | kRw);
    put32(0x102000 + 0 * 4, 0x153000 | kP | kRw | kUs);
  }
};

TEST(GuestPagingRights, GivenAUserAccessWhenThePageOrATableIsSupervisorThenPfWithPresentAndUser) {
  Paging32 p;
  EXPECT_TRUE(allowed(guest_translate(p.vm, p.s, 0x00400010, access(true, true)), 0x150010));
  EXPECT_TRUE(faults(guest_translate(p.vm, p.s, 0x00402010, access(false, true)), pf::kPresent | pf::kUser));
  // The PTE says user, the PDE says supervisor: the AND decides.
  EXPECT_TRUE(faults(guest_translate(p.vm, p.s, 0x00800010, access(false, true)), pf::kPresent | pf::kUser));
  EXPECT_TRUE(allowed(guest_translate(p.vm, p.s, 0x00800010, access(false, false)), 0x153010));
}

TEST(GuestPagingRights, GivenAWriteToAReadOnlyPageThenUserAlwaysFaultsAndSupervisorOnlyWithWp) {
  Paging32 p;
  EXPECT_TRUE(faults(guest_translate(p.vm, p.s, 0x00401000, access(true, true)),
                     pf::kPresent | pf::kWrite | pf::kUser));
  EXPECT_TRUE(allowed(guest_translate(p.vm, p.s, 0x00401000, access(true, false)), 0x151000));  // WP = 0
  p.s.cr0 |= kWp;
  EXPECT_TRUE(faults(guest_translate(p.vm, p.s, 0x00401000, access(true, false)), pf::kPresent | pf::kWrite));
  EXPECT_TRUE(allowed(guest_translate(p.vm, p.s, 0x00401000, access(false, true)), 0x151000));  // reads pass
}

TEST(GuestPagingRights, GivenANotPresentPageThenPfWithoutPresentButWithWriteAndUser) {
  Paging32 p;
  EXPECT_TRUE(faults(guest_translate(p.vm, p.s, 0x00405000, access(true, true)), pf::kWrite | pf::kUser));
  EXPECT_TRUE(faults(guest_translate(p.vm, p.s, 0x00000000, access(false, false)), 0));
  // 32-bit paging has no execute-disable: I/D stays clear for a fetch.
  EXPECT_TRUE(faults(guest_translate(p.vm, p.s, 0x00405000, access(false, true, true)), pf::kUser));
}

TEST(GuestPagingRights, GivenSmepAndSmapThenSupervisorFetchesAndDataAccessesToUserPagesFault) {
  Paging32 p;
  p.s.cr4 = kSmep | kSmap;
  EXPECT_TRUE(faults(guest_translate(p.vm, p.s, 0x00400000, access(false, false, true)),
                     pf::kPresent | pf::kFetch));
  EXPECT_TRUE(faults(guest_translate(p.vm, p.s, 0x00400000, access(false, false)), pf::kPresent));
  EXPECT_TRUE(allowed(guest_translate(p.vm, p.s, 0x00400000, access(false, false, false, true)), 0x150000));  // AC
  EXPECT_TRUE(allowed(guest_translate(p.vm, p.s, 0x00402000, access(false, false, true)), 0x152000));
}

// PAE: PDPTEs carry no R/W or U/S (they are reserved there); the PD is user
// RW, the page user read-only and execute-disable.
TEST(GuestPagingRights, GivenPaeWhenThePdpteHasNoRightsBitsThenOnlyPdeAndPteDecide) {
  Rig p;
  GuestPagingState s{kPg | kPe | kWp, 0x100020, kPae, kNxe};
  p.put64(0x100020, 0x101000 | kP);
  p.put64(0x101000, 0x102000 | kP | kRw | kUs);
  p.put64(0x102000, 0x150000 | kP | kUs | kNx);
  EXPECT_TRUE(allowed(guest_translate(p.vm, s, 0x10, access(false, true)), 0x150010));
  EXPECT_TRUE(faults(guest_translate(p.vm, s, 0x10, access(true, false)), pf::kPresent | pf::kWrite));
  EXPECT_TRUE(faults(guest_translate(p.vm, s, 0x10, access(false, true, true)),
                     pf::kPresent | pf::kUser | pf::kFetch));
  s.efer = 0;  // without NXE the XD bit does not forbid fetches, and I/D is not reported
  EXPECT_TRUE(allowed(guest_translate(p.vm, s, 0x10, access(false, true, true)), 0x150010));
}

// 4-level paging: execute-disable at any level forbids the fetch.
TEST(GuestPagingRights, GivenFourLevelPagingWhenAnUpperLevelIsExecuteDisableThenAFetchFaults) {
  Rig p;
  GuestPagingState s{kPg | kPe, 0x100000, kPae, kLma | kNxe};
  p.put64(0x100000, 0x101000 | kP | kRw | kUs | kNx);
  p.put64(0x101000, 0x102000 | kP | kRw | kUs);
  p.put64(0x102000, 0x103000 | kP | kRw | kUs);
  p.put64(0x103000, 0x150000 | kP | kRw | kUs);
  EXPECT_TRUE(allowed(guest_translate(p.vm, s, 0x20, access(true, true)), 0x150020));
  EXPECT_TRUE(faults(guest_translate(p.vm, s, 0x20, access(false, false, true)), pf::kPresent | pf::kFetch));
}

TEST(GuestPagingRights, GivenTheOldInterfaceThenItTranslatesSupervisorReadsWithoutRights) {
  Paging32 p;
  p.s.cr0 |= kWp;
  const Result<u64> r = guest_linear_to_physical(p.vm, p.s, 0x00401004);  // read-only: a read passes
  ASSERT_TRUE(r);
  EXPECT_EQ(r.value(), 0x151004u);
  EXPECT_FALSE(guest_linear_to_physical(p.vm, p.s, 0x00405000));
}

}  // namespace
}  // namespace nucleo

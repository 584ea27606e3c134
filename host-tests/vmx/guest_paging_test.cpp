// SPDX-License-Identifier: MIT
// Guest linear -> guest physical (kernel/virt/guest_paging.cpp) over page
// tables built in a VM's RAM: paging off, 32-bit paging (4 KiB, 4 MiB with
// PSE and PSE-36), PAE (4 KiB, 2 MiB), 4- and 5-level paging (4 KiB, 2 MiB,
// 1 GiB), and every walk that ends at a non-present entry or outside RAM.
#include "kernel/virt/guest_paging.hpp"

#include "host-tests/support/paging_vm.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

namespace nucleo {
namespace {

constexpr u64 kPg = 1u << 31, kPe = 1;
constexpr u64 kPse = 1u << 4, kPae = 1u << 5, kLa57 = 1u << 12;
constexpr u64 kLma = 1u << 10;
constexpr u64 kP = 1, kRw = 2, kPs = 1u << 7, kNx = u64{1} << 63;

using test::PagingVm;

::testing::AssertionResult maps_to(const Result<u64>& r, u64 want) {
  if (r && r.value() == want) return ::testing::AssertionSuccess();
  char text[80];
  if (r) std::snprintf(text, sizeof text, "0x%llx, want 0x%llx", static_cast<unsigned long long>(r.value()),
                       static_cast<unsigned long long>(want));
  else std::snprintf(text, sizeof text, "%s (0x%llx)", r.error().what, static_cast<unsigned long long>(r.error().offset));
  return ::testing::AssertionFailure() << text;
}
::testing::AssertionResult not_present(const Result<u64>& r, u64 linear) {
  if (!r && r.error().status == Status::not_found && std::string(r.error().what) == "guest page not present" &&
      r.error().offset == linear)
    return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << (r ? "translated" : r.error().what);
}
::testing::AssertionResult outside(const Result<u64>& r) {
  if (!r && r.error().status == Status::invalid_argument &&
      std::string(r.error().what) == "guest page table outside the VM's RAM")
    return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << (r ? "translated" : r.error().what);
}

TEST(GuestPaging, GivenPagingOffWhenTranslatedThenTheLowFourGibibytesIdentity) {
  PagingVm p;
  const GuestPagingState off{kPe, 0x100000, kPae, kLma};  // CR0.PG = 0 decides
  EXPECT_TRUE(maps_to(p.walk(off, 0x12345), 0x12345));
  EXPECT_TRUE(maps_to(p.walk(off, 0x1'2345'6789), 0x2345'6789));
}

// 32-bit paging: page directory at 0x100000 (CR3 PWT/PCD bits set too).
struct Paging32 : PagingVm {
  GuestPagingState s{kPg | kPe, 0x100018, 0, 0};
  Paging32() {
    put32(0x100000 + 1 * 4, 0x101000 | kP | kRw);  // 0x00400000-: PT at 0x101000
    put32(0x101000 + 0x23 * 4, 0x150000 | kP);     // 0x00423000 -> 0x150000
  }
};

TEST(GuestPaging, GivenThirtyTwoBitPagingWhenFourKibPageThenFrameOrOffset) {
  Paging32 p;
  EXPECT_TRUE(maps_to(p.walk(p.s, 0x00423456), 0x150456));
  EXPECT_TRUE(maps_to(p.walk(p.s, 0xFFFFFFFF'00423456), 0x150456));  // bits 63:32 are not part of the walk
}

TEST(GuestPaging, GivenThirtyTwoBitPagingWhenPsePagesThenFourMibPagesIncludingPse36HighBits) {
  Paging32 p;
  p.s.cr4 = kPse;
  p.put32(0x100000 + 2 * 4, 0x00C00000 | kPs | kP);             // 0x00800000 -> 0x00C00000
  p.put32(0x100000 + 3 * 4, 0x00400000 | (0x05u << 13) | kPs | kP);  // PSE-36: bits 39:32 = 5
  EXPECT_TRUE(maps_to(p.walk(p.s, 0x00812345), 0x00C12345));
  EXPECT_TRUE(maps_to(p.walk(p.s, 0x00C12345), 0x5'0041'2345));
  EXPECT_TRUE(maps_to(p.walk(p.s, 0x00423456), 0x150456));  // 4 KiB pages still work
}

TEST(GuestPaging, GivenThirtyTwoBitPagingWithoutPseWhenPdeHasPsThenItIsAPageTable) {
  Paging32 p;
  p.put32(0x100000 + 2 * 4, 0x101000 | kPs | kP);  // PS ignored: PT at 0x101000
  EXPECT_TRUE(maps_to(p.walk(p.s, 0x00823456), 0x150456));
}

TEST(GuestPaging, GivenThirtyTwoBitPagingWhenEntriesMissingThenNotPresent) {
  Paging32 p;
  EXPECT_TRUE(not_present(p.walk(p.s, 0x00000123), 0x00000123));  // PDE 0
  EXPECT_TRUE(not_present(p.walk(p.s, 0x00424000), 0x00424000));  // PTE 0x24
}

TEST(GuestPaging, GivenThirtyTwoBitPagingWhenTablesOutsideRamThenOutside) {
  Paging32 p;
  GuestPagingState s = p.s;
  s.cr3 = 0x7FFFF000;
  EXPECT_TRUE(outside(p.walk(s, 0x1000)));
  p.put32(0x100000 + 5 * 4, 0x40000000 | kP);  // PT beyond RAM
  EXPECT_TRUE(outside(p.walk(p.s, 0x01400000)));
}

// PAE: PDPT at 0x100020 (CR3[31:5]), PD at 0x101000, PT at 0x102000.
struct PagingPae : PagingVm {
  GuestPagingState s{kPg | kPe, 0x100020, kPae, 0};
  PagingPae() {
    put64(0x100020 + 3 * 8, 0x101000 | kP);       // 0xC0000000-
    put64(0x101000 + 1 * 8, 0x102000 | kP | kRw); // 0xC0200000-
    put64(0x102000 + 0x12 * 8, 0x153000 | kP | kNx);
    put64(0x101000 + 2 * 8, 0x4'4000'0000 | kPs | kP);  // 0xC0400000-: 2 MiB page
  }
};

TEST(GuestPaging, GivenPaePagingWhenFourKibAndTwoMibPagesThenTranslatedAndNxIgnored) {
  PagingPae p;
  EXPECT_TRUE(maps_to(p.walk(p.s, 0xC0212345), 0x153345));
  EXPECT_TRUE(maps_to(p.walk(p.s, 0xC0512345), 0x4'4011'2345));
}

TEST(GuestPaging, GivenPaePagingWhenAnyLevelIsMissingThenNotPresent) {
  PagingPae p;
  EXPECT_TRUE(not_present(p.walk(p.s, 0x00001000), 0x00001000));  // PDPTE 0
  EXPECT_TRUE(not_present(p.walk(p.s, 0xC0000000), 0xC0000000));  // PDE 0
  EXPECT_TRUE(not_present(p.walk(p.s, 0xC0213000), 0xC0213000));  // PTE 0x13
}

TEST(GuestPaging, GivenPaePagingWhenAnyTableIsOutsideRamThenOutside) {
  PagingPae p;
  GuestPagingState s = p.s;
  s.cr3 = 0xFFFFFFE0;
  EXPECT_TRUE(outside(p.walk(s, 0)));
  p.put64(0x100020 + 0 * 8, 0x8000'0000 | kP);  // PD beyond RAM
  EXPECT_TRUE(outside(p.walk(p.s, 0x1000)));
  p.put64(0x101000 + 3 * 8, 0x9000'0000 | kP);  // PT beyond RAM
  EXPECT_TRUE(outside(p.walk(p.s, 0xC0600000)));
}

// 4-level: PML4 0x100000, PDPT 0x101000, PD 0x102000, PT 0x103000.
struct Paging64 : PagingVm {
  GuestPagingState s{kPg | kPe, 0x100000 | 0x18, kPae, kLma};
  static constexpr u64 kBase = 0xFFFF'8000'0000'0000;  // PML4 slot 256
  Paging64() {
    put64(0x100000 + 256 * 8, 0x101000 | kP | kRw);
    put64(0x101000 + 0 * 8, 0x102000 | kP | kRw);
    put64(0x102000 + 2 * 8, 0x103000 | kP | kRw);
    put64(0x103000 + 7 * 8, 0x1'2345'6000 | kP | kNx | (0x7FFull << 52));  // NX and software bits
    put64(0x102000 + 3 * 8, 0x0'00E0'0000 | kPs | kP);    // 2 MiB page
    put64(0x101000 + 1 * 8, 0xF'C000'0000 | kPs | kP);    // 1 GiB page
  }
};

TEST(GuestPaging, GivenFourLevelPagingWhenEachPageSizeThenTranslated) {
  Paging64 p;
  EXPECT_TRUE(maps_to(p.walk(p.s, Paging64::kBase + 0x407ABC), 0x1'2345'6ABC));
  EXPECT_TRUE(maps_to(p.walk(p.s, Paging64::kBase + 0x6ABCDE), 0xEABCDE));
  EXPECT_TRUE(maps_to(p.walk(p.s, Paging64::kBase + 0x4ABC'DEF0), 0xF'CABC'DEF0));
}

TEST(GuestPaging, GivenFourLevelPagingWhenPml4eHasPsThenItIsStillATablePointer) {
  Paging64 p;
  p.put64(0x100000 + 1 * 8, 0x101000 | kPs | kP);  // PS is reserved in a PML4E: not a 512 GiB page
  EXPECT_TRUE(maps_to(p.walk(p.s, (u64{1} << 39) + 0x407ABC), 0x1'2345'6ABC));
}

TEST(GuestPaging, GivenFourLevelPagingWhenAnyLevelIsMissingThenNotPresent) {
  Paging64 p;
  EXPECT_TRUE(not_present(p.walk(p.s, 0x1000), 0x1000));                               // PML4E
  EXPECT_TRUE(not_present(p.walk(p.s, Paging64::kBase + (u64{5} << 30)), Paging64::kBase + (u64{5} << 30)));
  EXPECT_TRUE(not_present(p.walk(p.s, Paging64::kBase + 0x800000), Paging64::kBase + 0x800000));  // PDE
  EXPECT_TRUE(not_present(p.walk(p.s, Paging64::kBase + 0x408000), Paging64::kBase + 0x408000));  // PTE
}

TEST(GuestPaging, GivenFourLevelPagingWhenAnyTableIsOutsideRamThenOutside) {
  Paging64 p;
  GuestPagingState s = p.s;
  s.cr3 = 0x4000'0000;
  EXPECT_TRUE(outside(p.walk(s, 0)));
  p.put64(0x102000 + 4 * 8, 0x7'0000'0000 | kP);
  EXPECT_TRUE(outside(p.walk(p.s, Paging64::kBase + 0x800000)));
}

TEST(GuestPaging, GivenFiveLevelPagingWhenTranslatedThenThePml5IndexComesFromBits56To48) {
  Paging64 p;
  GuestPagingState s = p.s;
  s.cr4 |= kLa57;
  s.cr3 = 0x104000;
  p.put64(0x104000 + 3 * 8, 0x100000 | kP);  // PML5 slot 3 -> the PML4 above
  const u64 linear = (u64{3} << 48) | (u64{256} << 39) | 0x407ABC;
  EXPECT_TRUE(maps_to(p.walk(s, linear), 0x1'2345'6ABC));
  EXPECT_TRUE(not_present(p.walk(s, 0x1000), 0x1000));
}

}  // namespace
}  // namespace nucleo

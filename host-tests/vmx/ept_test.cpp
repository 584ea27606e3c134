// SPDX-License-Identifier: MIT
// The EPT builder, checked by decoding the tables it built with a walker
// written here from SDM Vol. 3C 29.3.2 (Tables 29-1 to 29-6), not only
// through Ept::translate.
#include "vmx/core/ept.hpp"

#include <gtest/gtest.h>

#include <array>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

namespace nucleo::vmx {
namespace {

// Pages at fake physical addresses base + 4 KiB * i; fails after `limit`
// pages; can hand out a misaligned address to test the builder's checks.
class FakePages final : public EptPageSource {
 public:
  explicit FakePages(usize limit = 1u << 20, u64 base = 0x10000000) : limit_(limit), base_(base) {}

  Result<u64> alloc_zeroed_page() override {
    if (pages_.size() >= limit_) return make_error(Status::out_of_memory, "fake: no page left");
    pages_.push_back(std::make_unique<std::array<u64, 512>>());
    pages_.back()->fill(0);
    return base_ + (pages_.size() - 1) * kPageSize + misalign_;
  }
  u64* table(u64 phys) override {
    if (phys < base_ || !is_aligned(phys, kPageSize)) return nullptr;
    const u64 index = (phys - base_) / kPageSize;
    return index < pages_.size() ? pages_[index]->data() : nullptr;
  }
  usize count() const { return pages_.size(); }
  void misalign_next(u64 by) { misalign_ = by; }

 private:
  std::vector<std::unique_ptr<std::array<u64, 512>>> pages_;
  usize limit_;
  u64 base_;
  u64 misalign_ = 0;
};

constexpr u64 kAddr = 0x000FFFFFFFFFF000;  // bits 51:12

struct Leaf {
  u64 gpa;
  int level;  // 1 = 4 KiB PTE, 2 = 2 MiB PDE, 3 = 1 GiB PDPTE
  u64 entry;
  bool operator==(const Leaf&) const = default;
  friend void PrintTo(const Leaf& l, std::ostream* os) {
    *os << std::hex << "{gpa 0x" << l.gpa << ", level " << l.level << ", entry 0x" << l.entry << "}";
  }
};

// Every leaf of the tree, in gpa order, checking each non-leaf entry on the
// way: RWX all set, bits 7:3 zero (reserved, and bit 7 = 0 "references a
// table" in PDPTEs and PDEs), no address bits beyond 2^39 for these tests.
void collect(FakePages& pages, u64 table_phys, int level, u64 gpa_base, std::vector<Leaf>& out) {
  const u64* t = pages.table(table_phys);
  ASSERT_NE(t, nullptr) << "table " << table_phys << " not from the page source";
  const u64 span = u64{1} << (12 + 9 * (level - 1));
  for (u64 i = 0; i < 512; ++i) {
    const u64 e = t[i];
    if ((e & 7) == 0) {
      EXPECT_EQ(e, 0u) << "a not-present entry should be all zero";
      continue;
    }
    const u64 gpa = gpa_base + i * span;
    const bool leaf = level == 1 || (level <= 3 && (e & 0x80));
    if (leaf) {
      out.push_back({gpa, level, e});
    } else {
      EXPECT_EQ(e & 7, 7u) << "non-leaf entries grant RWX, level " << level;
      EXPECT_EQ(e & 0xF8, 0u) << "non-leaf bits 7:3 are reserved, level " << level;
      EXPECT_EQ(e & ~kAddr & ~u64{0xFFF}, 0u);
      collect(pages, e & kAddr, level - 1, gpa, out);
    }
  }
}

std::vector<Leaf> leaves(FakePages& pages, const Ept& ept) {
  std::vector<Leaf> out;
  collect(pages, ept.pml4_phys(), 4, 0, out);
  return out;
}

u64 leaf_entry(u64 hpa, int level, u64 perm, u64 memtype) {
  return hpa | perm | (memtype << 3) | (level > 1 ? 0x80 : 0);
}

class EptTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(ept_.init(pages_, 39).ok()); }
  Error map(u64 gpa, u64 hpa, u64 size, bool large = true, bool huge = true, EptPerm perm = EptPerm::rwx,
            EptMemType type = EptMemType::write_back) {
    return ept_.map(gpa, hpa, size, perm, type, large, huge);
  }
  FakePages pages_;
  Ept ept_;
};

TEST_F(EptTest, GivenInitWhenEptpReadThenTable259Encoding) {
  EXPECT_EQ(pages_.count(), 1u);
  const u64 pml4 = ept_.pml4_phys();
  EXPECT_TRUE(is_aligned(pml4, kPageSize));
  EXPECT_EQ(ept_.eptp(), pml4 | 0x1E);      // WB (6) in 2:0, walk length 4 - 1 = 3 in 5:3
  EXPECT_EQ(ept_.eptp(true), pml4 | 0x5E);  // + bit 6: accessed/dirty flags
  EXPECT_EQ(ept_.eptp(false, EptMemType::uncacheable), pml4 | 0x18);
  EXPECT_TRUE(leaves(pages_, ept_).empty());
}

TEST_F(EptTest, GivenFourGibOfRamWhenMappedWithHugePagesThenFour1GibLeaves) {
  ASSERT_TRUE(map(0, 0, 4 * GiB).ok());
  const std::vector<Leaf> expected = {{0, 3, leaf_entry(0, 3, 7, 6)},
                                      {1 * GiB, 3, leaf_entry(1 * GiB, 3, 7, 6)},
                                      {2 * GiB, 3, leaf_entry(2 * GiB, 3, 7, 6)},
                                      {3 * GiB, 3, leaf_entry(3 * GiB, 3, 7, 6)}};
  EXPECT_EQ(leaves(pages_, ept_), expected);
  EXPECT_EQ(pages_.count(), 2u);  // PML4 + one PDPT
  EXPECT_EQ(ept_.pages_allocated(), 2u);
}

TEST_F(EptTest, GivenLargeButNot1GibWhenMappedThen2MibLeavesOnly) {
  ASSERT_TRUE(map(0, 0, 4 * GiB, true, false).ok());
  const std::vector<Leaf> all = leaves(pages_, ept_);
  ASSERT_EQ(all.size(), 2048u);
  for (usize i = 0; i < all.size(); ++i) EXPECT_EQ(all[i], (Leaf{i * 2 * MiB, 2, leaf_entry(i * 2 * MiB, 2, 7, 6)}));
  EXPECT_EQ(pages_.count(), 1u + 1u + 4u);  // PML4, PDPT, 4 PDs
}

TEST_F(EptTest, GivenNoLargePagesWhenMappedThen4KibLeavesOnly) {
  ASSERT_TRUE(map(0x200000, 0x40000000, 4 * MiB, false, true).ok());
  const std::vector<Leaf> all = leaves(pages_, ept_);
  ASSERT_EQ(all.size(), 1024u);
  for (usize i = 0; i < all.size(); ++i)
    EXPECT_EQ(all[i], (Leaf{0x200000 + i * kPageSize, 1, leaf_entry(0x40000000 + i * kPageSize, 1, 7, 6)}));
}

TEST_F(EptTest, GivenMixedAlignmentWhenMappedThenLargestLeafThatFitsEachPart) {
  // 4 KiB + 2 MiB + 1 GiB + 2 MiB + 4 KiB, starting 2 MiB + 4 KiB below 1 GiB,
  // to host addresses 4 GiB higher (same alignment).
  const u64 gpa = GiB - 2 * MiB - 4 * KiB;
  const u64 offset = 4 * GiB;
  ASSERT_TRUE(map(gpa, gpa + offset, 4 * KiB + 2 * MiB + GiB + 2 * MiB + 4 * KiB).ok());
  const std::vector<Leaf> expected = {
      {gpa, 1, leaf_entry(gpa + offset, 1, 7, 6)},
      {GiB - 2 * MiB, 2, leaf_entry(GiB - 2 * MiB + offset, 2, 7, 6)},
      {GiB, 3, leaf_entry(GiB + offset, 3, 7, 6)},
      {2 * GiB, 2, leaf_entry(2 * GiB + offset, 2, 7, 6)},
      {2 * GiB + 2 * MiB, 1, leaf_entry(2 * GiB + 2 * MiB + offset, 1, 7, 6)},
  };
  EXPECT_EQ(leaves(pages_, ept_), expected);
}

TEST_F(EptTest, GivenHostAddressNotAlignedLikeGuestWhenMappedThenNoLargeLeaves) {
  ASSERT_TRUE(map(0, 0x1000, 4 * MiB).ok());  // gpa 2 MiB aligned, hpa not
  const std::vector<Leaf> all = leaves(pages_, ept_);
  ASSERT_EQ(all.size(), 1024u);
  for (const Leaf& l : all) EXPECT_EQ(l.level, 1);
  // 1 GiB-aligned gpa with a hpa only 2 MiB aligned gets 2 MiB leaves.
  ASSERT_TRUE(map(GiB, 2 * GiB + 2 * MiB, GiB).ok());
  const Ept::Walk w = ept_.translate(GiB + 0x12345);
  EXPECT_TRUE(w.mapped);
  EXPECT_EQ(w.level, 2);
  EXPECT_EQ(w.hpa, 2 * GiB + 2 * MiB + 0x12345);
}

TEST_F(EptTest, GivenRangeAcross512GibWhenMappedThenTwoPml4Entries) {
  ASSERT_TRUE(map(511 * GiB, 0, 2 * GiB).ok());
  const u64* pml4 = pages_.table(ept_.pml4_phys());
  EXPECT_EQ(pml4[0] & 7, 7u);
  EXPECT_EQ(pml4[1] & 7, 7u);
  EXPECT_EQ(pml4[2], 0u);
  EXPECT_EQ(leaves(pages_, ept_),
            (std::vector<Leaf>{{511 * GiB, 3, leaf_entry(0, 3, 7, 6)}, {512 * GiB, 3, leaf_entry(GiB, 3, 7, 6)}}));
  EXPECT_EQ(pages_.count(), 3u);
}

TEST_F(EptTest, GivenPermissionsAndMemoryTypesWhenMappedThenLeafBits) {
  ASSERT_TRUE(map(0xFEE00000, 0xFEE00000, 4 * KiB, true, true, EptPerm::rw, EptMemType::uncacheable).ok());
  ASSERT_TRUE(map(0x100000, 0x100000, 4 * KiB, true, true, EptPerm::rx).ok());
  ASSERT_TRUE(map(0x101000, 0x101000, 4 * KiB, true, true, EptPerm::execute).ok());  // execute-only
  ASSERT_TRUE(map(0x102000, 0x102000, 4 * KiB, true, true, EptPerm::read, EptMemType::write_combining).ok());
  ASSERT_TRUE(map(0x103000, 0x103000, 4 * KiB, true, true, EptPerm::read, EptMemType::write_through).ok());
  ASSERT_TRUE(map(0x104000, 0x104000, 4 * KiB, true, true, EptPerm::read, EptMemType::write_protected).ok());
  const std::vector<Leaf> expected = {
      {0x100000, 1, 0x100000 | 5 | (6 << 3)}, {0x101000, 1, 0x101000 | 4 | (6 << 3)},
      {0x102000, 1, 0x102000 | 1 | (1 << 3)}, {0x103000, 1, 0x103000 | 1 | (4 << 3)},
      {0x104000, 1, 0x104000 | 1 | (5 << 3)}, {0xFEE00000, 1, 0xFEE00000 | 3 | (0 << 3)},
  };
  EXPECT_EQ(leaves(pages_, ept_), expected);
  const Ept::Walk w = ept_.translate(0xFEE00300);
  EXPECT_TRUE(w.mapped);
  EXPECT_EQ(w.hpa, 0xFEE00300u);
  EXPECT_EQ(w.perm, EptPerm::rw);
  EXPECT_EQ(w.memtype, 0);
  EXPECT_EQ(w.level, 1);
  EXPECT_TRUE(has_perm(w.perm, EptPerm::write));
  EXPECT_FALSE(has_perm(w.perm, EptPerm::execute));
}

TEST_F(EptTest, GivenMappingsWhenTranslatedThenHpaLevelAndUnmappedHoles) {
  ASSERT_TRUE(map(0, 0x80000000, 2 * GiB).ok());
  ASSERT_TRUE(map(3 * GiB + 4 * KiB, 0x5000, 4 * KiB).ok());
  struct Row {
    u64 gpa;
    bool mapped;
    u64 hpa;
    u8 level;
  };
  const Row rows[] = {
      {0, true, 0x80000000, 3},
      {GiB - 1, true, 0x80000000 + GiB - 1, 3},
      {GiB + 0x1234, true, 0xC0001234, 3},
      {2 * GiB, false, 0, 0},
      {3 * GiB, false, 0, 0},
      {3 * GiB + 4 * KiB + 0xFFF, true, 0x5FFF, 1},
      {3 * GiB + 8 * KiB, false, 0, 0},
      {ept::kGuestPhysLimit, false, 0, 0},
      {~u64{0}, false, 0, 0},
  };
  for (const Row& row : rows) {
    SCOPED_TRACE(row.gpa);
    const Ept::Walk w = ept_.translate(row.gpa);
    EXPECT_EQ(w.mapped, row.mapped);
    EXPECT_EQ(w.hpa, row.hpa);
    EXPECT_EQ(w.level, row.level);
  }
}

TEST_F(EptTest, GivenInvalidArgumentsWhenMappedThenClearErrorsAndNothingMapped) {
  struct Row {
    u64 gpa, hpa, size;
    EptPerm perm;
    EptMemType type;
    const char* what;
  };
  const EptPerm rwx = EptPerm::rwx;
  const EptMemType wb = EptMemType::write_back;
  const Row rows[] = {
      {0, 0, 0, rwx, wb, "empty range"},
      {0x800, 0, kPageSize, rwx, wb, "gpa is not 4 KiB aligned"},
      {0, 0x10, kPageSize, rwx, wb, "hpa is not 4 KiB aligned"},
      {0, 0, 100, rwx, wb, "size is not a multiple of 4 KiB"},
      {ept::kGuestPhysLimit, 0, kPageSize, rwx, wb, "beyond 2^48"},
      {ept::kGuestPhysLimit - kPageSize, 0, 2 * kPageSize, rwx, wb, "beyond 2^48"},
      {~u64{0xFFF}, 0, 2 * kPageSize, rwx, wb, "beyond 2^48"},  // would wrap around
      {0, u64{1} << 39, kPageSize, rwx, wb, "physical-address width"},
      {0, (u64{1} << 39) - kPageSize, 2 * kPageSize, rwx, wb, "physical-address width"},
      {0, 0, kPageSize, EptPerm::none, wb, "needs read, write or execute"},
      {0, 0, kPageSize, EptPerm::write, wb, "write without read"},
      {0, 0, kPageSize, EptPerm::write | EptPerm::execute, wb, "write without read"},
      {0, 0, kPageSize, static_cast<EptPerm>(8), wb, "needs read, write or execute"},
      {0, 0, kPageSize, rwx, static_cast<EptMemType>(2), "memory type"},
      {0, 0, kPageSize, rwx, static_cast<EptMemType>(7), "memory type"},
  };
  for (const Row& row : rows) {
    SCOPED_TRACE(row.what);
    const Error e = ept_.map(row.gpa, row.hpa, row.size, row.perm, row.type, true, true);
    EXPECT_EQ(e.status, Status::invalid_argument);
    EXPECT_NE(std::string(e.what).find(row.what), std::string::npos) << e.what;
  }
  EXPECT_TRUE(leaves(pages_, ept_).empty());
  EXPECT_EQ(pages_.count(), 1u);
}

TEST(Ept, GivenNoInitWhenUsedThenRefusedAndUnmapped) {
  Ept ept;
  EXPECT_FALSE(ept.initialized());
  EXPECT_EQ(ept.map(0, 0, kPageSize, EptPerm::rwx, EptMemType::write_back, true, true).status,
            Status::invalid_argument);
  EXPECT_FALSE(ept.translate(0).mapped);
  FakePages pages;
  EXPECT_EQ(ept.init(pages, 31).status, Status::invalid_argument);
  EXPECT_EQ(ept.init(pages, 53).status, Status::invalid_argument);
  EXPECT_TRUE(ept.init(pages, 52).ok());
}

TEST_F(EptTest, GivenOverlapWithDifferentTargetWhenMappedThenRefusedBeforeAnyChange) {
  ASSERT_TRUE(map(0, 0, 2 * MiB).ok());  // one 2 MiB leaf
  const std::vector<Leaf> before = leaves(pages_, ept_);
  const usize pages_before = pages_.count();
  const Error e = map(MiB, 64 * MiB, 4 * MiB);  // [1 MiB, 5 MiB): starts inside it
  EXPECT_EQ(e.status, Status::already_exists);
  EXPECT_NE(std::string(e.what).find("different host address"), std::string::npos);
  EXPECT_EQ(e.offset, MiB);
  EXPECT_EQ(leaves(pages_, ept_), before);  // [2 MiB, 5 MiB) was not mapped either
  EXPECT_EQ(pages_.count(), pages_before);
  EXPECT_FALSE(ept_.translate(4 * MiB).mapped);
}

TEST_F(EptTest, GivenOverlapDeepInsideTheRangeWhenMappedThenOffsetIsFirstConflict) {
  ASSERT_TRUE(map(0x345000, 0x345000, kPageSize).ok());
  const Error e = map(0, 0x10000000, 8 * MiB);
  EXPECT_EQ(e.status, Status::already_exists);
  EXPECT_EQ(e.offset, 0x345000u);
  EXPECT_FALSE(ept_.translate(0).mapped);
}

TEST_F(EptTest, GivenSameTargetDifferentAttributesWhenMappedThenRefused) {
  ASSERT_TRUE(map(0, 0, 2 * MiB).ok());
  const Error e = map(0, 0, kPageSize, true, true, EptPerm::read);
  EXPECT_EQ(e.status, Status::already_exists);
  EXPECT_NE(std::string(e.what).find("different permissions or memory type"), std::string::npos);
  const Error t = map(0, 0, kPageSize, true, true, EptPerm::rwx, EptMemType::uncacheable);
  EXPECT_EQ(t.status, Status::already_exists);
}

TEST_F(EptTest, GivenIdenticalRemapWhenMappedThenNoOp) {
  ASSERT_TRUE(map(0, 0, 2 * GiB).ok());
  const std::vector<Leaf> before = leaves(pages_, ept_);
  EXPECT_TRUE(map(0x5000, 0x5000, 3 * MiB).ok());  // inside a 1 GiB leaf, consistent
  EXPECT_TRUE(map(0, 0, 2 * GiB, false, false).ok());
  EXPECT_EQ(leaves(pages_, ept_), before);
  EXPECT_EQ(pages_.count(), 2u);
}

TEST_F(EptTest, GivenExistingSmallPagesWhenLargeRangeMappedConsistentlyThenHolesFilledWith4Kib) {
  ASSERT_TRUE(map(0x1000, 0x1000, kPageSize).ok());
  ASSERT_TRUE(map(0, 0, 4 * MiB).ok());
  const std::vector<Leaf> all = leaves(pages_, ept_);
  // The first 2 MiB keep their page table (filled), the second is one leaf.
  ASSERT_EQ(all.size(), 513u);
  for (usize i = 0; i < 512; ++i) EXPECT_EQ(all[i], (Leaf{i * kPageSize, 1, leaf_entry(i * kPageSize, 1, 7, 6)}));
  EXPECT_EQ(all[512], (Leaf{2 * MiB, 2, leaf_entry(2 * MiB, 2, 7, 6)}));
}

TEST(Ept, GivenPageSourceRunningOutWhenMappedThenSourceErrorAndConsistentPrefix) {
  FakePages pages(4);  // PML4 + PDPT + PD + one PT
  Ept ept;
  ASSERT_TRUE(ept.init(pages, 39).ok());
  // Two 4 KiB pages in different 2 MiB regions need two page tables.
  ASSERT_TRUE(ept.map(0, 0, kPageSize, EptPerm::rwx, EptMemType::write_back, false, false).ok());
  const Error e = ept.map(2 * MiB, 2 * MiB, kPageSize, EptPerm::rwx, EptMemType::write_back, false, false);
  EXPECT_EQ(e.status, Status::out_of_memory);
  EXPECT_STREQ(e.what, "fake: no page left");
  EXPECT_TRUE(ept.translate(0).mapped);
  EXPECT_FALSE(ept.translate(2 * MiB).mapped);
  std::vector<Leaf> all;
  collect(pages, ept.pml4_phys(), 4, 0, all);
  EXPECT_EQ(all.size(), 1u);
  // A range whose first part fits: the prefix is mapped, the rest is not.
  FakePages few(4);
  Ept partial;
  ASSERT_TRUE(partial.init(few, 39).ok());
  EXPECT_EQ(partial.map(0, 0, 4 * MiB, EptPerm::rwx, EptMemType::write_back, false, false).status,
            Status::out_of_memory);
  EXPECT_TRUE(partial.translate(2 * MiB - kPageSize).mapped);
  EXPECT_FALSE(partial.translate(2 * MiB).mapped);
}

TEST(Ept, GivenNoPageAtAllWhenInitThenOutOfMemoryAndNotInitialized) {
  FakePages none(0);
  Ept ept;
  EXPECT_EQ(ept.init(none).status, Status::out_of_memory);
  EXPECT_FALSE(ept.initialized());
}

TEST(Ept, GivenMisbehavingPageSourceWhenAllocatingThenMalformed) {
  FakePages pages;
  Ept ept;
  ASSERT_TRUE(ept.init(pages, 39).ok());
  pages.misalign_next(0x800);
  const Error e = ept.map(0, 0, kPageSize, EptPerm::rwx, EptMemType::write_back, true, true);
  EXPECT_EQ(e.status, Status::malformed);
  EXPECT_NE(std::string(e.what).find("misaligned"), std::string::npos);
}

}  // namespace
}  // namespace nucleo::vmx

// SPDX-License-Identifier: MIT
// Run-time changes of a VM's EPT (Ept::remap_page, vmx/core/ept.hpp): one
// 4-KiB page of RAM mapped with 2-MiB or 1-GiB leaves moves to another
// host frame; the large leaf over it is split into leaves of the next size
// with the same translations, and nothing else changes.
#include <gtest/gtest.h>

#include <array>
#include <memory>
#include <vector>

#include "vmx/core/ept.hpp"

namespace nucleo::vmx {
namespace {

class Pages final : public EptPageSource {
 public:
  explicit Pages(u64 base, usize limit = 64) : base_(base), limit_(limit) {}
  Result<u64> alloc_zeroed_page() override {
    if (pages_.size() >= limit_) return make_error(Status::out_of_memory, "fake: no page left");
    pages_.push_back(std::make_unique<std::array<u64, 512>>());
    pages_.back()->fill(0);
    return base_ + (pages_.size() - 1) * kPageSize;
  }
  u64* table(u64 phys) override {
    const u64 i = (phys - base_) / kPageSize;
    return phys >= base_ && i < pages_.size() ? pages_[i]->data() : nullptr;
  }
  usize count() const { return pages_.size(); }

 private:
  std::vector<std::unique_ptr<std::array<u64, 512>>> pages_;
  u64 base_;
  usize limit_;
};

constexpr u64 kRamHpa = 0x40000000;  // 1 GiB aligned: the builder may use 1-GiB leaves
constexpr u64 kFrame = 0x7FFF3000;   // where a page moves to

struct Rig {
  Pages pages{0x10000000};
  Ept ept;
  explicit Rig(u64 ram, bool huge = false) {
    EXPECT_TRUE(ept.init(pages, 39).ok());
    EXPECT_TRUE(ept.map(0, kRamHpa, ram, EptPerm::rwx, EptMemType::write_back, true, huge).ok());
  }
  // Every 4-KiB page of [0, ram) translates to RAM but `moved` to `to`.
  void expect_identity_but(u64 ram, u64 moved, u64 to, EptPerm perm = EptPerm::rwx) {
    for (u64 gpa = 0; gpa < ram; gpa += kPageSize) {
      const Ept::Walk w = ept.translate(gpa + 0x123);
      ASSERT_TRUE(w.mapped) << std::hex << gpa;
      EXPECT_EQ(w.hpa, (gpa == moved ? to : kRamHpa + gpa) + 0x123) << std::hex << gpa;
      EXPECT_EQ(w.perm, gpa == moved ? perm : EptPerm::rwx) << std::hex << gpa;
      EXPECT_EQ(w.memtype, 6u);
    }
  }
};

TEST(EptRemap, GivenRamIn2MibLeavesWhenOnePageMovesThenItsLeafIsSplitAndOnlyThatPageTranslatesElsewhere) {
  Rig r(16 * MiB);
  const u64 before = r.pages.count();
  ASSERT_TRUE(r.ept.remap_page(0x403000, kFrame, EptPerm::rwx, EptMemType::write_back, r.pages).ok());
  EXPECT_EQ(r.pages.count(), before + 1);  // one page table for the split 2-MiB leaf
  EXPECT_EQ(r.ept.translate(0x403000).level, 1);
  EXPECT_EQ(r.ept.translate(0x402000).level, 1);  // the rest of that 2 MiB: 4-KiB leaves, same targets
  EXPECT_EQ(r.ept.translate(0x600000).level, 2);  // other 2-MiB leaves untouched
  r.expect_identity_but(16 * MiB, 0x403000, kFrame);
}

TEST(EptRemap, GivenAMovedPageWhenMovedAgainWriteProtectedOrBackThenNoNewTableAndEachStepTranslates) {
  Rig r(4 * MiB);
  ASSERT_TRUE(r.ept.remap_page(0x1000, kRamHpa + 0x1000, EptPerm::rx, EptMemType::write_back, r.pages).ok());
  r.expect_identity_but(4 * MiB, 0x1000, kRamHpa + 0x1000, EptPerm::rx);
  const u64 split = r.pages.count();
  ASSERT_TRUE(r.ept.remap_page(0x1000, kFrame, EptPerm::rwx, EptMemType::write_back, r.pages).ok());
  r.expect_identity_but(4 * MiB, 0x1000, kFrame);
  ASSERT_TRUE(r.ept.remap_page(0x1000, kRamHpa + 0x1000, EptPerm::rwx, EptMemType::write_back, r.pages).ok());
  r.expect_identity_but(4 * MiB, ~u64{0}, 0);
  EXPECT_EQ(r.pages.count(), split);
}

TEST(EptRemap, GivenA1GibLeafWhenOnePageMovesThenItIsSplitTwiceAndTheRestKeepsItsTranslation) {
  Rig r(GiB, true);
  ASSERT_EQ(r.ept.translate(0).level, 3);
  const u64 before = r.pages.count();
  ASSERT_TRUE(r.ept.remap_page(0x2345000, kFrame, EptPerm::rwx, EptMemType::write_back, r.pages).ok());
  EXPECT_EQ(r.pages.count(), before + 2);  // a page directory, then a page table
  EXPECT_EQ(r.ept.translate(0x2345000).level, 1);
  EXPECT_EQ(r.ept.translate(0x2400000).level, 2);  // the next 2 MiB: a 2-MiB leaf of the new directory
  const u64 probes[] = {0, 0x2344000, 0x2346000, 0x2200000, 0x3FFFF000};
  for (u64 gpa : probes) EXPECT_EQ(r.ept.translate(gpa).hpa, kRamHpa + gpa) << std::hex << gpa;
  EXPECT_EQ(r.ept.translate(0x2345010).hpa, kFrame + 0x10);
}

TEST(EptRemap, GivenAnEmptyReserveWhenASplitIsNeededThenOutOfMemoryAndNothingChanged) {
  Rig r(4 * MiB);
  Pages empty(0x20000000, 0);
  const Error e = r.ept.remap_page(0x3000, kFrame, EptPerm::rwx, EptMemType::write_back, empty);
  EXPECT_EQ(e.status, Status::out_of_memory);
  EXPECT_EQ(r.ept.translate(0x3000).level, 2);
  r.expect_identity_but(4 * MiB, ~u64{0}, 0);
}

TEST(EptRemap, GivenAnUnmappedOrBadPageWhenRemappedThenRefusedAndNothingChanged) {
  Rig r(4 * MiB);
  EXPECT_EQ(r.ept.remap_page(4 * MiB, kFrame, EptPerm::rwx, EptMemType::write_back, r.pages).status,
            Status::not_found);
  EXPECT_EQ(r.ept.remap_page(0x3800, kFrame, EptPerm::rwx, EptMemType::write_back, r.pages).status,
            Status::invalid_argument);
  EXPECT_EQ(r.ept.remap_page(0x3000, kFrame + 8, EptPerm::rwx, EptMemType::write_back, r.pages).status,
            Status::invalid_argument);
  EXPECT_EQ(r.ept.remap_page(0x3000, kFrame, EptPerm::write, EptMemType::write_back, r.pages).status,
            Status::invalid_argument);  // write without read: a misconfiguration
  EXPECT_EQ(r.ept.remap_page(0x3000, u64{1} << 39, EptPerm::rwx, EptMemType::write_back, r.pages).status,
            Status::invalid_argument);  // beyond the physical-address width
  EXPECT_EQ(r.ept.remap_page(0x3000, kFrame, EptPerm::rwx, static_cast<EptMemType>(2), r.pages).status,
            Status::invalid_argument);
  Ept uninitialised;
  EXPECT_EQ(uninitialised.remap_page(0, kFrame, EptPerm::rwx, EptMemType::write_back, r.pages).status,
            Status::invalid_argument);
  r.expect_identity_but(4 * MiB, ~u64{0}, 0);
  EXPECT_EQ(r.ept.translate(0x3000).level, 2);
}

}  // namespace
}  // namespace nucleo::vmx

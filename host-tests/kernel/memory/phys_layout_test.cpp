// SPDX-License-Identifier: MIT
#include "kernel/memory/phys_layout.hpp"

#include "host-tests/support/mb2_builder.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <vector>

namespace nucleo {
namespace {

using mb2::MemoryType;
constexpr u64 kPage = kPageSize;
constexpr u32 kAvail = 1, kReserved = 2, kReclaim = 3, kNvs = 4, kBad = 5;

std::unique_ptr<mb2::BootInfo> info_with(const std::vector<mb2::MemoryRegion>& regions) {
  auto info = std::make_unique<mb2::BootInfo>();
  for (const mb2::MemoryRegion& r : regions) info->regions[info->region_count++] = r;
  return info;
}

std::unique_ptr<mb2::BootInfo> info_from_file(const char* name, std::vector<u8>& blob) {
  blob = test::read_file(std::string(NUCLEO_TEST_DATA) + "/" + name);
  auto info = std::make_unique<mb2::BootInfo>();
  const Error e = mb2::parse(test::bytes_of(blob), 0, *info);
  EXPECT_TRUE(blob.empty() || e.ok()) << name << ": " << e.what;  // a missing file is skipped by the caller
  return info;
}

Result<u64> find(const mb2::BootInfo& info, const std::vector<PhysRange>& avoid, u64 bytes, u64 min_base = 0,
                 u64 max_end = UINT64_MAX) {
  return find_free_range(info, Span<const PhysRange>(avoid.data(), avoid.size()), bytes, min_base, max_end);
}

TEST(Summarize, GivenQemuPc256MCaptureWhenSummarizedThenRamIsBothAvailableRegions) {
  std::vector<u8> blob;
  const auto info = info_from_file("mbi_qemu_pc_256m.bin", blob);
  const MemorySummary s = summarize(*info);
  EXPECT_EQ(s.usable_bytes, 0x9fc00u + 0xfee0000u);  // 255.5 MiB + 639 KiB
  EXPECT_EQ(s.ram_bytes, s.usable_bytes);            // no ACPI regions on this machine
  EXPECT_EQ(s.highest_usable_end, 0xffe0000u);
}

TEST(Summarize, GivenOvmfCaptureWhenSummarizedThenAcpiRegionsCountAsRamNotUsable) {
  std::vector<u8> blob;
  const auto info = info_from_file("mbi_ovmf_256m.bin", blob);
  if (blob.empty()) GTEST_SKIP() << "mbi_ovmf_256m.bin not present";
  const MemorySummary s = summarize(*info);
  EXPECT_EQ(s.usable_bytes, 0xfa2c000u);
  EXPECT_EQ(s.ram_bytes, 0xfa2c000u + 0x201000u + 0x12000u);  // + ACPI NVS + ACPI reclaimable
  EXPECT_EQ(s.highest_usable_end, 0xff58000u);
}

TEST(Summarize, GivenBochsCaptureWhenSummarizedThenTheReclaimableTopCountsAsRam) {
  std::vector<u8> blob;
  const auto info = info_from_file("mbi_bochs_256m.bin", blob);
  if (blob.empty()) GTEST_SKIP() << "mbi_bochs_256m.bin not present";
  const MemorySummary s = summarize(*info);
  EXPECT_EQ(s.usable_bytes, 0x9f000u + 0xfef0000u);
  EXPECT_EQ(s.ram_bytes, s.usable_bytes + 0x10000u);
  EXPECT_EQ(s.highest_usable_end, 0xfff0000u);
}

TEST(Summarize, GivenEveryTypeWhenSummarizedThenReservedBadAndUnknownAreNotRam) {
  const auto info = info_with({{0x100000, 0x1000, kAvail},
                               {0, 0x10, kReclaim},
                               {0x10, 0x100, kNvs},
                               {0x200000, 0x7000, kReserved},
                               {0x300000, 0x8000, kBad},
                               {0x400000, 0x9000, 20},
                               {0x50000, 0x2000, kAvail}});  // lower, listed later
  const MemorySummary s = summarize(*info);
  EXPECT_EQ(s.usable_bytes, 0x3000u);
  EXPECT_EQ(s.ram_bytes, 0x3110u);
  EXPECT_EQ(s.highest_usable_end, 0x101000u);
  EXPECT_EQ(summarize(mb2::BootInfo{}).ram_bytes, 0u);
}

TEST(FindFreeRange, GivenQemuCaptureAndKernelRangesWhenSearchedThenFirstGapAfterThem) {
  std::vector<u8> blob;
  const auto info = info_from_file("mbi_qemu_pc_256m.bin", blob);
  const std::vector<PhysRange> avoid = {{0, 1 * MiB}, {0x100000, 0x1234567}, {0x1300000, 0x1301000}};
  const Result<u64> r = find(*info, avoid, 0x8000, 1 * MiB, 4 * GiB);
  ASSERT_TRUE(r.ok()) << r.error().what;
  EXPECT_EQ(r.value(), 0x1235000u);  // the unaligned end rounds up to a page
  // Too big for any region below 4 GiB.
  const Result<u64> big = find(*info, avoid, 256 * MiB, 1 * MiB, 4 * GiB);
  ASSERT_FALSE(big.ok());
  EXPECT_EQ(big.error().status, Status::out_of_memory);
}

TEST(FindFreeRange, GivenUnsortedAvoidListWhenSearchedThenEveryOverlapIsSkipped) {
  const auto info = info_with({{0, 16 * MiB, kAvail}});
  // Sliding past the second range lands in the first one: a second pass is needed.
  const std::vector<PhysRange> avoid = {{0x300000, 0x400000}, {0x200000, 0x300000}, {0x500000, 0x501000}};
  const Result<u64> r = find(*info, avoid, 0x100000, 0x200000);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.value(), 0x400000u);
  EXPECT_EQ(find(*info, avoid, 0x101000, 0x200000).value(), 0x501000u);  // 1 MiB + 4 KiB does not fit at 4 MiB
}

TEST(FindFreeRange, GivenSeveralRegionsWhenSearchedThenLowestFitInAnAvailableOne) {
  const auto info = info_with({{0x800000, 0x100000, kAvail},
                               {0x100000, 0x100000, kReserved},
                               {0x400000, 0x10000, kAvail},  // too small for 64 KiB + 1
                               {0x600000, 0x20000, kNvs}});
  EXPECT_EQ(find(*info, {}, 0x10000).value(), 0x400000u);
  EXPECT_EQ(find(*info, {}, 0x10001).value(), 0x800000u);  // rounded up to 17 pages
  EXPECT_EQ(find(*info, {}, 0x200000).error().status, Status::out_of_memory);
}

TEST(FindFreeRange, GivenUnalignedRegionWhenSearchedThenOnlyWholePagesInsideAreUsed) {
  const auto info = info_with({{0x1800, 0x3000, kAvail}});  // [0x1800, 0x4800): pages 2 and 3
  EXPECT_EQ(find(*info, {}, 2 * kPage).value(), 0x2000u);
  EXPECT_FALSE(find(*info, {}, 3 * kPage).ok());
  EXPECT_EQ(find(*info, {}, 1).value(), 0x2000u);
}

TEST(FindFreeRange, GivenBoundsWhenSearchedThenResultLiesInsideMinBaseAndMaxEnd) {
  const auto info = info_with({{0, 64 * MiB, kAvail}});
  EXPECT_EQ(find(*info, {}, kPage, 0x123456).value(), 0x124000u);
  EXPECT_EQ(find(*info, {}, 2 * MiB, 1 * MiB, 3 * MiB).value(), 1 * MiB);  // ends exactly at max_end
  EXPECT_FALSE(find(*info, {}, 2 * MiB + 1, 1 * MiB, 3 * MiB).ok());
  EXPECT_FALSE(find(*info, {{1 * MiB, 2 * MiB}}, 2 * MiB, 1 * MiB, 3 * MiB).ok());
  EXPECT_FALSE(find(*info, {}, kPage, 64 * MiB).ok());  // min_base above the region
  EXPECT_FALSE(find(*info, {}, kPage, 0, 0).ok());
}

TEST(FindFreeRange, GivenRegionsNearTheTopOfTheAddressSpaceWhenSearchedThenNoWrappedAnswer) {
  // A hostile map: the result must lie inside an available region, never wrap around.
  const auto info = info_with({{0xFFFFFFFFFFFF0000, 0x8000, kAvail}, {0xFFFFFFFFFFFFF800, 0x700, kAvail}});
  EXPECT_FALSE(find(*info, {}, 1ull << 49).ok());
  EXPECT_FALSE(find(*info, {}, 0x9000).ok());
  EXPECT_FALSE(find(*info, {}, kPage, 0xFFFFFFFFFFFFF001).ok());
  EXPECT_EQ(find(*info, {}, 0x8000).value(), 0xFFFFFFFFFFFF0000u);
}

TEST(FindFreeRange, GivenAvoidedRangeReachingTheTopWhenSearchedThenOutOfMemoryWithoutLooping) {
  const auto info = info_with({{0, 16 * MiB, kAvail}});
  EXPECT_FALSE(find(*info, {{0, 0x2000}, {0x1000, UINT64_MAX}}, kPage).ok());
  EXPECT_EQ(find(*info, {{0x3000, UINT64_MAX}}, 0x3000).value(), 0u);
  EXPECT_FALSE(find(*info, {}, UINT64_MAX - 0x2000).ok());
}

class Populate : public ::testing::Test {
 protected:
  void init(u64 limit) {
    bitmap_.assign(FrameAllocator::bitmap_words_for(limit), 0);
    frames_.init(Span<u64>(bitmap_.data(), bitmap_.size()), limit);
  }
  void populate(const mb2::BootInfo& info, const std::vector<PhysRange>& reserved) {
    populate_frames(frames_, info, Span<const PhysRange>(reserved.data(), reserved.size()));
  }
  std::vector<u64> bitmap_;
  FrameAllocator frames_;
};

TEST_F(Populate, GivenQemuCaptureWhenPopulatedThenAvailableRamBelowTheLimitIsFree) {
  std::vector<u8> blob;
  const auto info = info_from_file("mbi_qemu_pc_256m.bin", blob);
  init(summarize(*info).highest_usable_end);
  populate(*info, {});
  EXPECT_EQ(frames_.free_frames(), 0x9fu + 0xfee0u);  // 0x9fc00 rounds down to 159 frames
  EXPECT_TRUE(frames_.is_free(0x9e000));
  EXPECT_FALSE(frames_.is_free(0x9f000));  // partly reserved (EBDA)
  EXPECT_FALSE(frames_.is_free(0xb8000));  // a hole in the map stays used
  EXPECT_TRUE(frames_.is_free(0xffdf000));

  init(summarize(*info).highest_usable_end);
  populate(*info, {{0, 1 * MiB}, {0x100000, 0x180000}, {0x200000, 0x200000}});  // empty range ignored
  EXPECT_EQ(frames_.free_frames(), 0xfee0u - 0x80u);
  EXPECT_FALSE(frames_.is_free(0x17f000));
  EXPECT_TRUE(frames_.is_free(0x180000));
}

TEST_F(Populate, GivenOverlappingBuggyMapWhenPopulatedThenNonAvailableWinsWhateverTheOrder) {
  const auto info = info_with({{0x8000, 0x2000, kReserved},   // listed before the RAM it overlaps
                               {0, 0x20000, kAvail},
                               {0x10000, 0x1800, kNvs},       // touches frames 16 and 17
                               {0x10800, 0x1000, kAvail},      // second available overlap changes nothing
                               {0x14000, 0x800, 20},          // unknown type: reserved, whole frame
                               {0x1f000, 0x10000, kBad}});     // bad memory crossing the end
  init(0x40000);
  populate(*info, {{0x2000, 0x2001}});  // touches one frame
  for (u64 a : {0x2000ull, 0x8000ull, 0x9000ull, 0x10000ull, 0x11000ull, 0x14000ull, 0x1f000ull})
    EXPECT_FALSE(frames_.is_free(a)) << std::hex << a;
  for (u64 a : {0x0ull, 0x3000ull, 0xa000ull, 0x12000ull, 0x15000ull, 0x1e000ull}) EXPECT_TRUE(frames_.is_free(a)) << std::hex << a;
  EXPECT_EQ(frames_.free_frames(), 32u - 1 - 2 - 2 - 1 - 1);
  EXPECT_FALSE(frames_.is_free(0x20000));  // nothing above the map's RAM
}

}  // namespace
}  // namespace nucleo

// SPDX-License-Identifier: MIT
#include "kernel/memory/frame_allocator.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace nucleo {
namespace {

constexpr u64 kPage = kPageSize;

class Frames : public ::testing::Test {
 protected:
  // An allocator over [0, limit) with every frame used.
  void init(u64 limit) {
    bitmap_.assign(FrameAllocator::bitmap_words_for(limit), 0);
    frames_.init(Span<u64>(bitmap_.data(), bitmap_.size()), limit);
  }
  u64 alloc(u64 min_address = 0) {
    const Result<u64> r = frames_.alloc(min_address);
    EXPECT_TRUE(r.ok()) << r.error().what;
    return r.ok() ? r.value() : ~u64{0};
  }
  std::vector<u64> bitmap_;
  FrameAllocator frames_;
};

TEST(FrameAllocatorSizing, GivenLimitsWhenSizedThenOneBitPerFrameRoundedUp) {
  EXPECT_EQ(FrameAllocator::bitmap_words_for(0), 0u);
  EXPECT_EQ(FrameAllocator::bitmap_words_for(1), 1u);
  EXPECT_EQ(FrameAllocator::bitmap_words_for(64 * kPage), 1u);
  EXPECT_EQ(FrameAllocator::bitmap_words_for(64 * kPage + 1), 2u);
  EXPECT_EQ(FrameAllocator::bitmap_words_for(4 * GiB), 16384u);
  EXPECT_EQ(FrameAllocator::bitmap_words_for(UINT64_MAX), u64{1} << 46);  // not 0 by wrapping
}

TEST_F(Frames, GivenFreshInitWhenQueriedThenEveryFrameIsUsed) {
  init(100 * kPage + 123);  // a partial last frame does not count
  EXPECT_EQ(frames_.frame_count(), 100u);
  EXPECT_EQ(frames_.limit(), 100 * kPage);
  EXPECT_EQ(frames_.free_frames(), 0u);
  EXPECT_FALSE(frames_.is_free(0));
  EXPECT_EQ(frames_.alloc().error().status, Status::out_of_memory);
}

TEST_F(Frames, GivenBitmapSmallerThanLimitWhenInitThenFrameCountIsClampedToTheBitmap) {
  std::vector<u64> one(1);
  frames_.init(Span<u64>(one.data(), 1), 1 * GiB);
  EXPECT_EQ(frames_.frame_count(), 64u);
  frames_.add_free(0, 1 * GiB);
  EXPECT_EQ(frames_.free_frames(), 64u);
}

TEST_F(Frames, GivenUnalignedFreeRangeWhenAddedThenOnlyWholeFramesInsideBecomeFree) {
  init(64 * kPage);
  frames_.add_free(0x1800, 0x2000);  // [0x1800, 0x3800): only frame 2 is whole
  EXPECT_EQ(frames_.free_frames(), 1u);
  EXPECT_TRUE(frames_.is_free(0x2000));
  EXPECT_TRUE(frames_.is_free(0x2fff));
  EXPECT_FALSE(frames_.is_free(0x1000));
  EXPECT_FALSE(frames_.is_free(0x3000));
  frames_.add_free(0x5000, 0xfff);  // less than a frame
  frames_.add_free(0x6000, 0);
  EXPECT_EQ(frames_.free_frames(), 1u);
  frames_.add_free(0x2000, 0x1000);  // already free: not counted twice
  EXPECT_EQ(frames_.free_frames(), 1u);
}

TEST_F(Frames, GivenRangesBeyondTheLimitOrWrappingWhenAddedThenClampedOrIgnored) {
  init(16 * kPage);
  frames_.add_free(12 * kPage, 100 * kPage);
  EXPECT_EQ(frames_.free_frames(), 4u);
  EXPECT_FALSE(frames_.is_free(16 * kPage));
  frames_.add_free(0x1000, UINT64_MAX);  // base + length wraps
  EXPECT_EQ(frames_.free_frames(), 4u);
  // Base in the last page of the address space: no whole frame; nothing low may become free.
  frames_.add_free(0xFFFFFFFFFFFFF800, 0x100);
  EXPECT_EQ(frames_.free_frames(), 4u);
  EXPECT_FALSE(frames_.is_free(0));
}

TEST_F(Frames, GivenReservedRangeWhenReservedThenEveryTouchedFrameIsUsed) {
  init(64 * kPage);
  frames_.add_free(0, 64 * kPage);
  ASSERT_EQ(frames_.free_frames(), 64u);
  frames_.reserve(0x2fff, 2);  // touches frames 2 and 3
  EXPECT_FALSE(frames_.is_free(0x2000));
  EXPECT_FALSE(frames_.is_free(0x3000));
  EXPECT_TRUE(frames_.is_free(0x4000));
  EXPECT_EQ(frames_.free_frames(), 62u);
  frames_.reserve(0x2000, 0x2000);  // already used: not counted twice
  frames_.reserve(0x8000, 0);
  EXPECT_EQ(frames_.free_frames(), 62u);
  frames_.reserve(60 * kPage, 1 * GiB);  // past the limit: clamped
  EXPECT_EQ(frames_.free_frames(), 58u);
}

TEST_F(Frames, GivenReservationThatWrapsWhenReservedThenEverythingAboveItsBaseIsUsed) {
  init(64 * kPage);
  frames_.add_free(0, 64 * kPage);
  frames_.reserve(0x10000, UINT64_MAX);  // base + length wraps: "to the top"
  EXPECT_EQ(frames_.free_frames(), 16u);
  EXPECT_FALSE(frames_.is_free(0x10000));
  EXPECT_FALSE(frames_.is_free(63 * kPage));
  frames_.reserve(0xFFFFFFFFFFFFF000, 0x1000);  // the very last frame: no effect below
  EXPECT_EQ(frames_.free_frames(), 16u);
}

TEST_F(Frames, GivenFreeFramesWhenAllocatedThenLowestFirstAndAccounted) {
  init(256 * kPage);
  frames_.add_free(0x20000, 0x10000);
  frames_.add_free(0x80000, 0x1000);
  EXPECT_EQ(frames_.free_frames(), 17u);
  EXPECT_EQ(alloc(), 0x20000u);
  EXPECT_EQ(alloc(), 0x21000u);
  EXPECT_EQ(frames_.free_frames(), 15u);
  EXPECT_FALSE(frames_.is_free(0x20000));
  ASSERT_TRUE(frames_.free(0x20000).ok());
  EXPECT_EQ(alloc(), 0x20000u);  // a freed low frame is found again
  for (u64 a = 0x22000; a < 0x30000; a += kPage) EXPECT_EQ(alloc(), a);
  EXPECT_EQ(alloc(), 0x80000u);
  const Result<u64> none = frames_.alloc();
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.error().status, Status::out_of_memory);
  EXPECT_NE(std::string(none.error().what), "");
  EXPECT_EQ(frames_.free_frames(), 0u);
}

TEST_F(Frames, GivenFullWordsBeforeTheFreeFrameWhenAllocatedThenItIsStillFound) {
  init(1024 * kPage);
  frames_.add_free(700 * kPage, kPage);
  frames_.add_free(3 * kPage, kPage);
  EXPECT_EQ(alloc(), 3 * kPage);
  EXPECT_EQ(alloc(), 700 * kPage);
}

TEST_F(Frames, GivenMinAddressWhenAllocatedThenNothingBelowItIsReturned) {
  init(64 * kPage);
  frames_.add_free(0, 64 * kPage);
  EXPECT_EQ(alloc(0x12345), 0x13000u);
  EXPECT_EQ(alloc(0x13000), 0x14000u);
  EXPECT_EQ(alloc(), 0u);
  EXPECT_EQ(frames_.alloc(64 * kPage).error().status, Status::out_of_memory);
  EXPECT_EQ(frames_.alloc(UINT64_MAX - 10).error().status, Status::out_of_memory);  // must not wrap to 0
  EXPECT_EQ(frames_.free_frames(), 61u);
}

TEST_F(Frames, GivenFragmentedMemoryWhenContiguousRunRequestedThenFirstAlignedFitIsUsed) {
  init(128 * kPage);
  frames_.add_free(1 * kPage, 40 * kPage);  // frames 1..40
  frames_.reserve(5 * kPage, kPage);         // hole at frame 5
  frames_.reserve(17 * kPage, kPage);        // hole at frame 17
  Result<u64> r = frames_.alloc_contiguous(4, 4 * kPage);  // 4..7 has the hole: 8..11
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.value(), 8 * kPage);
  r = frames_.alloc_contiguous(3);  // unaligned: 1..3 fit before the hole
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.value(), 1 * kPage);
  r = frames_.alloc_contiguous(8, 8 * kPage);  // 16..23 has the hole: 24..31
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.value(), 24 * kPage);
  r = frames_.alloc_contiguous(2, kPage, 13 * kPage);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.value(), 13 * kPage);
  EXPECT_EQ(frames_.free_frames(), 38u - 4 - 3 - 8 - 2);
  EXPECT_FALSE(frames_.is_free(31 * kPage));
  EXPECT_TRUE(frames_.is_free(32 * kPage));
  r = frames_.alloc_contiguous(10);  // the largest run left is 32..40 (9 frames)
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().status, Status::out_of_memory);
  EXPECT_EQ(frames_.alloc_contiguous(9).value(), 32 * kPage);
}

TEST_F(Frames, GivenBadContiguousArgumentsWhenRequestedThenRefused) {
  init(64 * kPage);
  frames_.add_free(0, 64 * kPage);
  EXPECT_EQ(frames_.alloc_contiguous(0).error().status, Status::invalid_argument);
  EXPECT_EQ(frames_.alloc_contiguous(1, 0x800).error().status, Status::invalid_argument);
  EXPECT_EQ(frames_.alloc_contiguous(1, 0x3000).error().status, Status::invalid_argument);
  EXPECT_EQ(frames_.alloc_contiguous(1, 0).error().status, Status::invalid_argument);
  EXPECT_EQ(frames_.alloc_contiguous(65).error().status, Status::out_of_memory);
  EXPECT_EQ(frames_.alloc_contiguous(1, 1ull << 40).value(), 0u);
  EXPECT_EQ(frames_.alloc_contiguous(1, 1ull << 40).error().status, Status::out_of_memory);
  EXPECT_EQ(frames_.free_frames(), 63u);
}

TEST_F(Frames, GivenHugeCountWhenRequestedThenOutOfMemoryWithoutReadingPastTheBitmap) {
  init(64 * kPage);  // exactly one bitmap word
  frames_.add_free(kPage, 63 * kPage);
  EXPECT_EQ(frames_.alloc_contiguous(static_cast<usize>(-1)).error().status, Status::out_of_memory);
  EXPECT_EQ(frames_.alloc_contiguous(static_cast<usize>(-2)).error().status, Status::out_of_memory);
  EXPECT_EQ(frames_.free_frames(), 63u);
}

TEST_F(Frames, GivenLimitNotAMultipleOf64WhenExhaustedThenNoFrameBeyondTheLimitIsHandedOut) {
  init(70 * kPage);
  frames_.add_free(0, 1 * GiB);
  EXPECT_EQ(frames_.free_frames(), 70u);
  for (u64 i = 0; i < 70; ++i) EXPECT_EQ(alloc(), i * kPage);
  EXPECT_EQ(frames_.alloc().error().status, Status::out_of_memory);
}

TEST_F(Frames, GivenBadFreesWhenFreedThenRefusedWithTheAddress) {
  init(64 * kPage);
  frames_.add_free(0, 64 * kPage);
  const u64 a = alloc();
  Error e = frames_.free(a + 8);
  EXPECT_EQ(e.status, Status::invalid_argument);
  EXPECT_NE(std::string(e.what).find("page-aligned"), std::string::npos);
  EXPECT_EQ(e.offset, a + 8);
  e = frames_.free(64 * kPage);
  EXPECT_EQ(e.status, Status::invalid_argument);
  EXPECT_NE(std::string(e.what).find("outside"), std::string::npos);
  EXPECT_EQ(frames_.free(UINT64_MAX & ~(kPage - 1)).status, Status::invalid_argument);
  ASSERT_TRUE(frames_.free(a).ok());
  e = frames_.free(a);
  EXPECT_EQ(e.status, Status::invalid_argument);
  EXPECT_NE(std::string(e.what).find("twice"), std::string::npos);
  EXPECT_EQ(e.offset, a);
  EXPECT_EQ(frames_.free_frames(), 64u);  // refused frees changed nothing
}

TEST_F(Frames, GivenReservedFrameWhenFreedThenItBecomesAllocatable) {
  init(64 * kPage);
  frames_.reserve(0, 64 * kPage);
  ASSERT_TRUE(frames_.free(10 * kPage).ok());
  EXPECT_EQ(frames_.free_frames(), 1u);
  EXPECT_EQ(alloc(), 10 * kPage);
}

}  // namespace
}  // namespace nucleo

// SPDX-License-Identifier: MIT
// Physical page-frame allocator: one bit per 4 KiB frame below a limit
// (1 = in use). The bitmap's storage is handed in, so the same code runs in
// the kernel (storage carved from RAM) and in host tests (a vector).
// Not thread-safe: callers serialise (one lock around it in the kernel).
#pragma once

#include "kernel/lib/result.hpp"
#include "kernel/lib/span.hpp"

namespace nucleo {

class FrameAllocator {
 public:
  static constexpr usize bitmap_words_for(u64 phys_limit) {
    const u64 frames = phys_limit / kPageSize + (phys_limit % kPageSize != 0 ? 1 : 0);  // no wrap near 2^64
    return static_cast<usize>((frames + 63) / 64);
  }

  // Every frame starts as used; add_free() then releases RAM.
  void init(Span<u64> bitmap, u64 phys_limit);

  // Frames fully inside [base, base+length) become free.
  void add_free(u64 base, u64 length);
  // Frames touching [base, base+length) become used (kernel, modules...).
  void reserve(u64 base, u64 length);

  // Lowest free frame at or above min_address; not_found when none.
  Result<u64> alloc(u64 min_address = 0);
  // count contiguous frames, aligned to `align` bytes (a power of two >= 4 KiB).
  Result<u64> alloc_contiguous(usize count, u64 align = kPageSize, u64 min_address = 0);
  // Double free and frames outside the bitmap are refused, not ignored.
  Error free(u64 address);

  bool is_free(u64 address) const;
  u64 free_frames() const { return free_frames_; }
  u64 frame_count() const { return frame_count_; }
  u64 limit() const { return frame_count_ * kPageSize; }

 private:
  void set_range(u64 first_frame, u64 end_frame, bool used);
  bool used(u64 frame) const { return (bitmap_[frame / 64] >> (frame % 64)) & 1; }

  Span<u64> bitmap_;
  u64 frame_count_ = 0;
  u64 free_frames_ = 0;
  u64 search_hint_ = 0;  // no free frame lies below this index
};

}  // namespace nucleo

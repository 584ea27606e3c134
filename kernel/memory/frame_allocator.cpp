// SPDX-License-Identifier: MIT
#include "kernel/memory/frame_allocator.hpp"

namespace nucleo {

namespace {
// Frame index of the first frame boundary at or above `address`: a division
// rounding up, where align_up() would wrap to 0 in the last page of the space.
constexpr u64 frame_ceil(u64 address) { return address / kPageSize + (address % kPageSize != 0 ? 1 : 0); }
}  // namespace

void FrameAllocator::init(Span<u64> bitmap, u64 phys_limit) {
  bitmap_ = bitmap;
  frame_count_ = min<u64>(align_down(phys_limit, kPageSize) / kPageSize, static_cast<u64>(bitmap.size()) * 64);
  for (u64& w : bitmap_) w = ~u64{0};
  free_frames_ = 0;
  search_hint_ = frame_count_;
}

void FrameAllocator::set_range(u64 first, u64 end, bool use) {
  end = min(end, frame_count_);
  for (u64 f = first; f < end; ++f) {
    if (used(f) == use) continue;
    const u64 bit = u64{1} << (f % 64);
    if (use) {
      bitmap_[f / 64] |= bit;
      --free_frames_;
    } else {
      bitmap_[f / 64] &= ~bit;
      ++free_frames_;
      if (f < search_hint_) search_hint_ = f;
    }
  }
}

void FrameAllocator::add_free(u64 base, u64 length) {
  if (length == 0 || base + length < base) return;
  const u64 first = frame_ceil(base);
  const u64 end = align_down(base + length, kPageSize) / kPageSize;
  if (first < end) set_range(first, end, false);
}

void FrameAllocator::reserve(u64 base, u64 length) {
  if (length == 0) return;
  const u64 last = base + length < base ? UINT64_MAX : base + length;
  set_range(base / kPageSize, frame_ceil(last), true);
}

Result<u64> FrameAllocator::alloc(u64 min_address) {
  return alloc_contiguous(1, kPageSize, min_address);
}

Result<u64> FrameAllocator::alloc_contiguous(usize count, u64 align, u64 min_address) {
  if (count == 0 || align < kPageSize || (align & (align - 1)) != 0)
    return make_error(Status::invalid_argument, "frame count must be non-zero and alignment a power of two >= 4 KiB");
  const u64 step = align / kPageSize;
  u64 f = align_up(max(search_hint_, frame_ceil(min_address)), step);
  while (f <= frame_count_ && count <= frame_count_ - f) {  // f + count could wrap
    // Skip whole used words quickly when searching single frames.
    if (step == 1 && f % 64 == 0 && bitmap_[f / 64] == ~u64{0}) {
      f += 64;
      continue;
    }
    usize run = 0;
    while (run < count && !used(f + run)) ++run;
    if (run == count) {
      set_range(f, f + count, true);
      return f * kPageSize;
    }
    f = align_up(f + run + 1, step);
  }
  return make_error(Status::out_of_memory, "no free physical frames of that size");
}

Error FrameAllocator::free(u64 address) {
  if (!is_aligned(address, kPageSize)) return make_error(Status::invalid_argument, "freed address is not page-aligned", address);
  const u64 f = address / kPageSize;
  if (f >= frame_count_) return make_error(Status::invalid_argument, "freed frame lies outside the allocator", address);
  if (!used(f)) return make_error(Status::invalid_argument, "frame freed twice", address);
  set_range(f, f + 1, false);
  return {};
}

bool FrameAllocator::is_free(u64 address) const {
  const u64 f = address / kPageSize;
  return f < frame_count_ && !used(f);
}

}  // namespace nucleo

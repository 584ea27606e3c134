// SPDX-License-Identifier: MIT
// What the memory map says about physical memory, and where boot-time
// structures may go. Pure code (host-tested): the kernel feeds it the
// Multiboot2 memory map and the ranges it must not touch.
#pragma once

#include "kernel/boot_info/multiboot2.hpp"
#include "kernel/memory/frame_allocator.hpp"

namespace nucleo {

struct PhysRange {
  u64 base = 0;
  u64 end = 0;  // exclusive
  constexpr bool overlaps(u64 b, u64 e) const { return base < e && b < end; }
};

struct MemorySummary {
  u64 ram_bytes = 0;           // available + ACPI reclaimable + ACPI NVS
  u64 usable_bytes = 0;        // available only
  u64 highest_usable_end = 0;  // end of the highest available region
};

MemorySummary summarize(const mb2::BootInfo& info);

// The lowest page-aligned run of `bytes` inside one available region, within
// [min_base, max_end), overlapping none of `avoid`.
Result<u64> find_free_range(const mb2::BootInfo& info, Span<const PhysRange> avoid, u64 bytes, u64 min_base,
                            u64 max_end);

// Builds the allocator's view: available regions free, then everything the
// map does not call available (overlaps in a buggy map lose), then `reserved`.
void populate_frames(FrameAllocator& frames, const mb2::BootInfo& info, Span<const PhysRange> reserved);

}  // namespace nucleo

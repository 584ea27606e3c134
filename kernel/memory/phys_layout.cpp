// SPDX-License-Identifier: MIT
#include "kernel/memory/phys_layout.hpp"

namespace nucleo {

using mb2::MemoryType;

MemorySummary summarize(const mb2::BootInfo& info) {
  MemorySummary s;
  for (usize i = 0; i < info.region_count; ++i) {
    const mb2::MemoryRegion& r = info.regions[i];
    if (r.is(MemoryType::available)) {
      s.usable_bytes += r.length;
      s.highest_usable_end = max(s.highest_usable_end, r.end());
    }
    if (r.is(MemoryType::available) || r.is(MemoryType::acpi_reclaimable) || r.is(MemoryType::acpi_nvs))
      s.ram_bytes += r.length;
  }
  return s;
}

Result<u64> find_free_range(const mb2::BootInfo& info, Span<const PhysRange> avoid, u64 bytes, u64 min_base,
                            u64 max_end) {
  bytes = align_up(bytes, kPageSize);
  u64 best = UINT64_MAX;
  for (usize i = 0; i < info.region_count; ++i) {
    const mb2::MemoryRegion& r = info.regions[i];
    if (!r.is(MemoryType::available)) continue;
    const u64 limit = min(align_down(r.end(), kPageSize), max_end);
    if (max(r.base, min_base) > limit) continue;  // also keeps align_up below from wrapping
    u64 candidate = align_up(max(r.base, min_base), kPageSize);
    // candidate + bytes <= limit, without wrapping on huge regions or requests.
    const auto fits = [&] { return candidate <= limit && bytes <= limit - candidate; };
    // Slide past every avoided range that overlaps; each pass moves forward.
    bool moved = true;
    while (moved && fits()) {
      moved = false;
      for (const PhysRange& a : avoid) {
        if (fits() && a.overlaps(candidate, candidate + bytes)) {
          candidate = a.end > limit ? limit + 1 : align_up(a.end, kPageSize);
          moved = true;
        }
      }
    }
    if (fits() && candidate < best) best = candidate;
  }
  if (best == UINT64_MAX) return make_error(Status::out_of_memory, "no available memory region can hold the request");
  return best;
}

void populate_frames(FrameAllocator& frames, const mb2::BootInfo& info, Span<const PhysRange> reserved) {
  for (usize i = 0; i < info.region_count; ++i)
    if (info.regions[i].is(MemoryType::available)) frames.add_free(info.regions[i].base, info.regions[i].length);
  for (usize i = 0; i < info.region_count; ++i)
    if (!info.regions[i].is(MemoryType::available)) frames.reserve(info.regions[i].base, info.regions[i].length);
  for (const PhysRange& r : reserved) frames.reserve(r.base, r.end - r.base);
}

}  // namespace nucleo

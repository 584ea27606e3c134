// SPDX-License-Identifier: MIT
#include "kernel/memory/paging.hpp"

#include "kernel/memory/direct_map.hpp"

extern "C" nucleo::u64 boot_pml4[512];  // boot/entry32.S, physical

namespace nucleo::paging {

namespace {
constexpr u64 kAddressMask = 0x000FFFFFFFFFF000;
}

Error map_page(u64 va, u64 pa, FrameAllocator& frames) {
  if (!is_aligned(va, kPageSize) || !is_aligned(pa, kPageSize))
    return make_error(Status::invalid_argument, "map_page: addresses must be page-aligned", va);
  u64* table = phys_to_virt<u64>(reinterpret_cast<u64>(&boot_pml4[0]));
  for (int shift = 39; shift > 12; shift -= 9) {
    u64& entry = table[(va >> shift) & 511];
    if (entry & kLargePage) return make_error(Status::already_exists, "map_page: a large page covers the address", va);
    if (!(entry & kPresent)) {
      const Result<u64> frame = frames.alloc();
      if (!frame) return frame.error();
      u64* fresh = phys_to_virt<u64>(frame.value());
      for (int i = 0; i < 512; ++i) fresh[i] = 0;
      entry = frame.value() | kPresent | kWritable;
    }
    table = phys_to_virt<u64>(entry & kAddressMask);
  }
  table[(va >> 12) & 511] = pa | kPresent | kWritable;
  return {};
}

}  // namespace nucleo::paging

// SPDX-License-Identifier: MIT
#include "kernel/memory/paging.hpp"

#include "kernel/memory/direct_map.hpp"

extern "C" nucleo::u64 boot_pml4[512];  // boot/entry32.S, physical

namespace nucleo::paging {

namespace {
constexpr u64 kAddressMask = 0x000FFFFFFFFFF000;
constinit u64 g_io_window_used = 0;
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

Result<u64> map_io(u64 pa, u64 size, FrameAllocator& frames) {
  const u64 first = align_down(pa, kPageSize);
  if (size == 0 || pa + size < pa) return make_error(Status::invalid_argument, "map_io: empty or wrapping range", pa);
  const u64 bytes = align_up(pa + size, kPageSize) - first;
  if (bytes > IO_WINDOW_SIZE - g_io_window_used)
    return make_error(Status::out_of_memory, "map_io: the I/O window is full", size);
  const u64 va = IO_WINDOW_BASE + g_io_window_used;
  for (u64 off = 0; off < bytes; off += kPageSize) {
    const Error e = map_page(va + off, first + off, frames);
    if (!e.ok()) return e;
  }
  g_io_window_used += bytes;
  return va + (pa - first);
}

}  // namespace nucleo::paging

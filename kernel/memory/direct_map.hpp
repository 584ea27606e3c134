// SPDX-License-Identifier: MIT
// The direct map: physical address pa is at DIRECT_MAP_BASE + pa. The boot
// code maps the first 4 GiB; extend_direct_map() adds the rest of RAM.
#pragma once

#include "boot/layout.h"
#include "kernel/memory/frame_allocator.hpp"

namespace nucleo {

constexpr u64 kDirectMapBase = DIRECT_MAP_BASE;
constexpr u64 kDirectMapBootLimit = 4 * GiB;
constexpr u64 kDirectMapMax = 512 * GiB;  // one PML4 slot

template <typename T = void>
inline T* phys_to_virt(u64 pa) {
  return reinterpret_cast<T*>(kDirectMapBase + pa);
}

// Highest physical address (exclusive) the direct map covers now.
u64 direct_map_limit();

// Maps [4 GiB, limit) with 2 MiB pages, taking page directories from frames.
Error extend_direct_map(u64 limit, FrameAllocator& frames);

}  // namespace nucleo

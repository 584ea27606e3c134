// SPDX-License-Identifier: MIT
// 4 KiB mappings in the kernel's (shared) page tables, for windows that are
// not part of the direct map. SDM Vol. 3A 5.5, 4-level paging.
#pragma once

#include "kernel/memory/frame_allocator.hpp"

namespace nucleo::paging {

constexpr u64 kPresent = 1, kWritable = 2, kLargePage = 0x80;

// Maps the page at va to pa (present, writable, supervisor), allocating
// missing tables from frames. Refuses a va covered by a large page. Does not
// flush: callers changing a live mapping invalidate it (tlb_shootdown).
Error map_page(u64 va, u64 pa, FrameAllocator& frames);

// Maps [pa, pa + size) of device memory (a framebuffer) at the next free
// place of the I/O window (boot/layout.h) and returns the virtual address of
// pa. Device memory lies outside RAM, so the direct map may not cover it
// (a GOP framebuffer can sit above 4 GiB, beyond the boot page tables).
// Boot CPU only, before other cores run: the window's tables are new, so
// no TLB holds a stale entry.
Result<u64> map_io(u64 pa, u64 size, FrameAllocator& frames);

}  // namespace nucleo::paging

// SPDX-License-Identifier: MIT
// Boot-time memory set-up: report the memory map, build the frame allocator
// (excluding the first MiB, the kernel image, the Multiboot2 information and
// the modules), and extend the direct map to all RAM.
#pragma once

#include "kernel/boot_info/multiboot2.hpp"
#include "kernel/memory/direct_map.hpp"

namespace nucleo {

void init_boot_memory(const mb2::BootInfo& info, u64 info_phys);

FrameAllocator& frame_allocator();

}  // namespace nucleo

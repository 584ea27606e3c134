// SPDX-License-Identifier: MIT
#include "kernel/memory/boot_memory.hpp"

#include "kernel/boot_report.hpp"
#include "kernel/console/log.hpp"
#include "kernel/memory/phys_layout.hpp"
#include "kernel/panic.hpp"

extern "C" char __kernel_phys_start[], __kernel_phys_end[];  // boot/linker.ld

namespace nucleo {

namespace {

constinit FrameAllocator g_frames;
constexpr usize kMaxReserved = 3 + mb2::BootInfo::kMaxModules;

void print_memory_map(const mb2::BootInfo& info) {
  log::info("memory map ({} regions):", info.region_count);
  for (usize i = 0; i < info.region_count; ++i) {
    const mb2::MemoryRegion& r = info.regions[i];
    log::info("  {:#014x}-{:#014x} {:>10} KiB  {}", r.base, r.end() - 1, r.length / KiB, mb2::memory_type_name(r.type));
  }
  if (info.regions_dropped) log::warn("memory map: {} regions beyond the first {} ignored", info.regions_dropped, info.kMaxRegions);
}

}  // namespace

FrameAllocator& frame_allocator() { return g_frames; }

void init_boot_memory(const mb2::BootInfo& info, u64 info_phys) {
  print_memory_map(info);
  const MemorySummary summary = summarize(info);
  BootReport& report = boot_report();
  report.ram_total_bytes = summary.ram_bytes;
  report.ram_usable_bytes = summary.usable_bytes;
  log::info("memory: {} MiB RAM, {} KiB usable, highest usable address {:#x}", summary.ram_bytes / MiB,
            summary.usable_bytes / KiB, summary.highest_usable_end);
  if (summary.usable_bytes == 0) panic("memory: the memory map lists no available RAM");

  // What the allocator must never hand out.
  PhysRange reserved[kMaxReserved + 1];
  usize n = 0;
  reserved[n++] = {0, 1 * MiB};  // real-mode IVT, BDA, EBDA, BIOS; AP trampolines go here later
  reserved[n++] = {reinterpret_cast<u64>(__kernel_phys_start), reinterpret_cast<u64>(__kernel_phys_end)};
  reserved[n++] = {info_phys, info_phys + info.total_size};
  for (usize i = 0; i < info.module_count; ++i) reserved[n++] = {info.modules[i].start, info.modules[i].end};

  // The bitmap lives in RAM the boot page tables already map (below 4 GiB).
  const usize words = FrameAllocator::bitmap_words_for(summary.highest_usable_end);
  const Result<u64> home = find_free_range(info, Span<const PhysRange>(reserved, n), words * 8, 1 * MiB,
                                           kDirectMapBootLimit);
  if (!home) panic("memory: no room below 4 GiB for the {} KiB frame bitmap", words * 8 / KiB);
  reserved[n++] = {home.value(), home.value() + align_up(words * 8, kPageSize)};

  g_frames.init(Span<u64>(phys_to_virt<u64>(home.value()), words), summary.highest_usable_end);
  populate_frames(g_frames, info, Span<const PhysRange>(reserved, n));
  report.frames_free = g_frames.free_frames();
  log::info("memory: kernel {:#x}-{:#x}, frame bitmap {} KiB at {:#x}, {} frames free ({} MiB)",
            reserved[1].base, reserved[1].end, words * 8 / KiB, home.value(), g_frames.free_frames(),
            g_frames.free_frames() * kPageSize / MiB);

  if (summary.highest_usable_end > kDirectMapBootLimit) {
    const Error e = extend_direct_map(summary.highest_usable_end, g_frames);
    if (!e.ok()) log::warn("memory: direct map stops at {:#x}: {}", direct_map_limit(), e.what);
    else log::info("memory: direct map extended to {:#x}", direct_map_limit());
  }
}

}  // namespace nucleo

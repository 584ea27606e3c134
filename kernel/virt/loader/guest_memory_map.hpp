// SPDX-License-Identifier: MIT
// The guest-physical layout a VM presents to the kernels nucleo loads into
// it: a classic PC map over RAM that is contiguous from GPA 0. Only the
// memory map handed to the guest (Multiboot mmap, and later E820) tells the
// guest about the holes; the RAM underneath them exists and is simply
// reserved, so BIOS-area tables (ACPI at 0xE0000-0xFFFFF) can live there.
// Pure; shared by the Multiboot1 and Multiboot2 loaders.
#pragma once

#include "kernel/lib/types.hpp"

namespace nucleo::loader {

// Low RAM ends where a PC's Extended BIOS Data Area starts (639 KiB).
constexpr u64 kLowRamEnd = 0x9FC00;
// EBDA [0x9FC00, 0xA0000), then VGA memory and the BIOS area up to 1 MiB.
constexpr u64 kVgaHoleBase = 0xA0000;
constexpr u64 kHighRamBase = 0x100000;

// Where the loaders build the boot information (MBI, its strings, module
// list and memory map): 60 KiB at the top of low RAM, below 0x9F000 so the
// page holding the EBDA's start stays untouched. No kernel segment may
// overlap it.
constexpr u64 kBootInfoBase = 0x90000;
constexpr u64 kBootInfoEnd = 0x9F000;

// Memory map entry types: the Multiboot/E820 numbering (Multiboot 0.6.96
// 3.3, Multiboot2 3.6.8, ACPI 6.5 15.1 table 15.4).
enum class GuestMemoryType : u32 { available = 1, reserved = 2 };

struct GuestRegion {
  u64 base = 0;
  u64 length = 0;
  GuestMemoryType type = GuestMemoryType::reserved;
  constexpr u64 end() const { return base + length; }
};

// The regions the guest is told about, in ascending order, with RAM of
// ram_size bytes: low RAM, EBDA, VGA hole + BIOS area, high RAM (omitted when
// RAM ends at or below 1 MiB).
class GuestMemoryMap {
 public:
  static constexpr usize kMaxRegions = 4;

  explicit GuestMemoryMap(u64 ram_size);

  const GuestRegion* begin() const { return regions_; }
  const GuestRegion* end() const { return regions_ + count_; }
  usize size() const { return count_; }
  const GuestRegion& operator[](usize i) const { return regions_[i]; }

  u64 ram_size() const { return ram_size_; }
  // [begin, end) lies inside one available region (an empty range is
  // usable when it sits inside or at the end of one).
  bool is_usable(u64 begin, u64 end) const;
  // [begin, end) touches [kLowRamEnd, kHighRamBase).
  static constexpr bool touches_legacy_hole(u64 begin, u64 end) { return begin < kHighRamBase && end > kLowRamEnd; }

  // KiB of RAM from 0 and from 1 MiB, as Multiboot's mem_lower/mem_upper
  // report them (Multiboot 0.6.96 3.3: mem_upper stops at the first hole;
  // clamped to 32 bits).
  u32 mem_lower_kib() const;
  u32 mem_upper_kib() const;

 private:
  GuestRegion regions_[kMaxRegions];
  usize count_ = 0;
  u64 ram_size_ = 0;
};

}  // namespace nucleo::loader

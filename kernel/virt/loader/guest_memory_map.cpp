// SPDX-License-Identifier: MIT
#include "kernel/virt/loader/guest_memory_map.hpp"

namespace nucleo::loader {

GuestMemoryMap::GuestMemoryMap(u64 ram_size) : ram_size_(ram_size) {
  const u64 low_end = min(ram_size, kLowRamEnd);
  if (low_end > 0) regions_[count_++] = {0, low_end, GuestMemoryType::available};
  // The reserved ranges are reported whatever the RAM size: on a PC they are
  // always there, and a guest must never place anything in them.
  regions_[count_++] = {kLowRamEnd, kVgaHoleBase - kLowRamEnd, GuestMemoryType::reserved};
  regions_[count_++] = {kVgaHoleBase, kHighRamBase - kVgaHoleBase, GuestMemoryType::reserved};
  if (ram_size > kHighRamBase) regions_[count_++] = {kHighRamBase, ram_size - kHighRamBase, GuestMemoryType::available};
}

bool GuestMemoryMap::is_usable(u64 begin, u64 end) const {
  if (end < begin) return false;
  for (const GuestRegion& r : *this)
    if (r.type == GuestMemoryType::available && r.base <= begin && end <= r.end()) return true;
  return false;
}

u32 GuestMemoryMap::mem_lower_kib() const { return static_cast<u32>(min(ram_size_, kLowRamEnd) / KiB); }

u32 GuestMemoryMap::mem_upper_kib() const {
  if (ram_size_ <= kHighRamBase) return 0;
  return static_cast<u32>(min<u64>((ram_size_ - kHighRamBase) / KiB, 0xFFFFFFFF));
}

}  // namespace nucleo::loader

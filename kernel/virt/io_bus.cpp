// SPDX-License-Identifier: MIT
#include "kernel/virt/io_bus.hpp"

namespace nucleo {

bool IoBus::attach(u16 first, u16 last, IoDevice& device) {
  if (count_ == kMaxRanges || last < first) return false;
  for (usize i = 0; i < count_; ++i)
    if (first <= ranges_[i].last && ranges_[i].first <= last) return false;
  ranges_[count_++] = Range{first, last, &device};
  return true;
}

IoDevice* IoBus::find(u16 port) const {
  for (usize i = 0; i < count_; ++i)
    if (port >= ranges_[i].first && port <= ranges_[i].last) return ranges_[i].device;
  return nullptr;
}

u32 IoBus::in(u16 port, u8 size) {
  const u32 all_ones = size == 4 ? 0xFFFFFFFFu : size == 2 ? 0xFFFFu : 0xFFu;
  Guard guard(lock_);
  IoDevice* d = find(port);
  u32 value = 0;
  if (d && d->io_in(port, size, value)) return value & all_ones;
  ++unclaimed_;
  return all_ones;
}

void IoBus::out(u16 port, u8 size, u32 value) {
  Guard guard(lock_);
  IoDevice* d = find(port);
  if (d && d->io_out(port, size, value)) return;
  ++unclaimed_;
}

}  // namespace nucleo

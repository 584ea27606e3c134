// SPDX-License-Identifier: MIT
#include "kernel/virt/loader/boot_info_area.hpp"

namespace nucleo::loader {

BootInfoArea::BootInfoArea(const Vm& vm) : window_(vm.guest_ram(kBootInfoBase, kBootInfoEnd - kBootInfoBase)) {
  if (window_.size() != kBootInfoEnd - kBootInfoBase) window_ = {};
  if (!window_.empty()) __builtin_memset(window_.data(), 0, window_.size());
}

u64 BootInfoArea::reserve(u64 size, u64 align) {
  const u64 start = align_up(used_, align);
  if (window_.empty() || start > window_.size() || size > window_.size() - start) {
    overflow_ = true;
    return kBootInfoBase;
  }
  used_ = start + size;
  return kBootInfoBase + start;
}

u64 BootInfoArea::put_string(Str s) { return put_joined(s, Str()); }

u64 BootInfoArea::put_joined(Str a, Str b) {
  const u64 gpa = reserve(joined_size(a, b), 1);
  if (!overflow_) write_joined(gpa, a, b);
  return gpa;
}

void BootInfoArea::write_joined(u64 gpa, Str a, Str b) {
  put_bytes(gpa, Bytes(reinterpret_cast<const u8*>(a.data()), a.size()));
  if (!b.empty()) {
    put8(gpa + a.size(), ' ');
    put_bytes(gpa + a.size() + 1, Bytes(reinterpret_cast<const u8*>(b.data()), b.size()));
  }
  // The NUL is already there: the window starts zeroed and is never reused.
}

void BootInfoArea::put_bytes(u64 gpa, Bytes b) {
  if (b.empty() || gpa < kBootInfoBase) return;
  const u64 off = gpa - kBootInfoBase;
  if (off > window_.size() || b.size() > window_.size() - off) return;
  __builtin_memcpy(window_.data() + off, b.data(), b.size());
}

void BootInfoArea::put(u64 gpa, u64 v, usize width) {
  if (gpa < kBootInfoBase) return;
  const u64 off = gpa - kBootInfoBase;
  if (off > window_.size() || width > window_.size() - off) return;
  for (usize i = 0; i < width; ++i) window_[off + i] = static_cast<u8>(v >> (8 * i));
}

}  // namespace nucleo::loader

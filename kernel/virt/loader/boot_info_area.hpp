// SPDX-License-Identifier: MIT
// The guest-RAM window [kBootInfoBase, kBootInfoEnd) in which a loader
// builds the boot information: a bump allocator with little-endian stores.
// Running out of room is sticky and checked once at the end, so the MBI
// builders stay straight-line code. Nothing outside the window is written.
#pragma once

#include "kernel/lib/str.hpp"
#include "kernel/virt/loader/guest_memory_map.hpp"
#include "kernel/virt/vm.hpp"

namespace nucleo::loader {

class BootInfoArea {
 public:
  // Zeroes the window; invalid (every reservation fails) when guest RAM
  // does not reach kBootInfoEnd.
  explicit BootInfoArea(const Vm& vm);

  bool ok() const { return !window_.empty() && !overflow_; }
  u64 used_end() const { return kBootInfoBase + used_; }

  // GPA of `size` fresh zero bytes aligned to `align` (a power of two), or
  // kBootInfoBase with the overflow flag set when they do not fit.
  u64 reserve(u64 size, u64 align);
  // The string plus a NUL; its GPA.
  u64 put_string(Str s);
  // The string `a`, a space and `b` (just `a` when b is empty), NUL-terminated.
  u64 put_joined(Str a, Str b);
  static u64 joined_size(Str a, Str b) { return a.size() + (b.empty() ? 0 : 1 + b.size()) + 1; }
  void write_joined(u64 gpa, Str a, Str b);  // into joined_size(a, b) reserved bytes

  void put8(u64 gpa, u8 v) { put(gpa, v, 1); }
  void put16(u64 gpa, u16 v) { put(gpa, v, 2); }
  void put32(u64 gpa, u32 v) { put(gpa, v, 4); }
  void put64(u64 gpa, u64 v) { put(gpa, v, 8); }
  void put_bytes(u64 gpa, Bytes b);

 private:
  void put(u64 gpa, u64 v, usize width);
  Span<u8> window_;
  u64 used_ = 0;
  bool overflow_ = false;
};

}  // namespace nucleo::loader

// SPDX-License-Identifier: MIT
// A set of CPU indices (not APIC IDs), e.g. the targets of a cross-call.
#pragma once

#include "kernel/lib/types.hpp"

namespace nucleo {

constexpr u32 kMaxCpus = 512;

class CpuSet {
 public:
  constexpr void add(u32 cpu) {
    if (cpu < kMaxCpus) words_[cpu / 64] |= u64{1} << (cpu % 64);
  }
  constexpr void remove(u32 cpu) {
    if (cpu < kMaxCpus) words_[cpu / 64] &= ~(u64{1} << (cpu % 64));
  }
  constexpr bool contains(u32 cpu) const { return cpu < kMaxCpus && (words_[cpu / 64] >> (cpu % 64)) & 1; }
  constexpr u32 count() const {
    u32 n = 0;
    for (u64 w : words_) n += static_cast<u32>(__builtin_popcountll(w));
    return n;
  }
  constexpr bool empty() const { return count() == 0; }
  // Calls fn(cpu) for each member in ascending order, a word of 64 CPUs
  // at a time: a cross-call to a few cores does not walk all 512 slots.
  template <typename Fn>
  constexpr void for_each(Fn fn) const {
    for (u32 w = 0; w < kMaxCpus / 64; ++w)
      for (u64 bits = words_[w]; bits != 0; bits &= bits - 1)
        fn(w * 64 + static_cast<u32>(__builtin_ctzll(bits)));
  }
  static constexpr CpuSet first_n(u32 n) {
    CpuSet s;
    for (u32 i = 0; i < n && i < kMaxCpus; ++i) s.add(i);
    return s;
  }

 private:
  u64 words_[kMaxCpus / 64] = {};
};

}  // namespace nucleo

// SPDX-License-Identifier: MIT
// A pointer and a count, with bounds-checked sub-ranges. Parsers of untrusted
// input take Span<const u8> and never index past size().
#pragma once

#include "kernel/lib/types.hpp"

namespace nucleo {

template <typename T>
class Span {
 public:
  constexpr Span() = default;
  constexpr Span(T* data, usize size) : data_(data), size_(size) {}
  template <usize N>
  constexpr Span(T (&array)[N]) : data_(array), size_(N) {}  // NOLINT: implicit by design

  constexpr T* data() const { return data_; }
  constexpr usize size() const { return size_; }
  constexpr bool empty() const { return size_ == 0; }
  constexpr T& operator[](usize i) const { return data_[i]; }
  constexpr T* begin() const { return data_; }
  constexpr T* end() const { return data_ + size_; }

  // Sub-range [offset, offset + count), clamped to the span: an out-of-range
  // request yields a shorter (possibly empty) span, never a wild pointer.
  constexpr Span subspan(usize offset, usize count = static_cast<usize>(-1)) const {
    if (offset > size_) return Span(data_ + size_, 0);
    const usize avail = size_ - offset;
    return Span(data_ + offset, count < avail ? count : avail);
  }
  constexpr bool contains_range(usize offset, usize count) const {
    return offset <= size_ && count <= size_ - offset;
  }

 private:
  T* data_ = nullptr;
  usize size_ = 0;
};

using Bytes = Span<const u8>;

}  // namespace nucleo

// SPDX-License-Identifier: MIT
// Str: a non-owning view of characters (the kernel has no std::string_view).
#pragma once

#include "kernel/lib/types.hpp"

namespace nucleo {

class Str {
 public:
  constexpr Str() = default;
  constexpr Str(const char* data, usize size) : data_(data), size_(size) {}
  constexpr Str(const char* cstr) : data_(cstr), size_(cstr ? length_of(cstr) : 0) {}  // NOLINT

  // A NUL-terminated string inside a buffer of at most max bytes.
  static constexpr Str bounded(const char* data, usize max) {
    usize n = 0;
    while (n < max && data[n] != '\0') ++n;
    return Str(data, n);
  }

  constexpr const char* data() const { return data_; }
  constexpr usize size() const { return size_; }
  constexpr bool empty() const { return size_ == 0; }
  constexpr char operator[](usize i) const { return data_[i]; }
  constexpr const char* begin() const { return data_; }
  constexpr const char* end() const { return data_ + size_; }

  constexpr Str substr(usize pos, usize count = static_cast<usize>(-1)) const {
    if (pos > size_) pos = size_;
    const usize avail = size_ - pos;
    return Str(data_ + pos, count < avail ? count : avail);
  }
  constexpr bool starts_with(Str prefix) const {
    return prefix.size_ <= size_ && substr(0, prefix.size_) == prefix;
  }
  static constexpr usize npos = static_cast<usize>(-1);
  constexpr usize find(char c, usize from = 0) const {
    for (usize i = from; i < size_; ++i)
      if (data_[i] == c) return i;
    return npos;
  }
  constexpr bool operator==(Str other) const {
    if (size_ != other.size_) return false;
    for (usize i = 0; i < size_; ++i)
      if (data_[i] != other.data_[i]) return false;
    return true;
  }

 private:
  static constexpr usize length_of(const char* s) {
    usize n = 0;
    while (s[n] != '\0') ++n;
    return n;
  }
  const char* data_ = "";
  usize size_ = 0;
};

// Decimal or 0x-prefixed hexadecimal, all characters consumed, no overflow.
bool parse_u64(Str text, u64& out);

}  // namespace nucleo

// SPDX-License-Identifier: MIT
// Kernel command line: space-separated words, each "key" or "key=value"
// (the Multiboot2 cmdline tag, as GRUB passes it). Pure code.
#pragma once

#include "kernel/lib/str.hpp"

namespace nucleo {

class Cmdline {
 public:
  constexpr Cmdline() = default;
  explicit constexpr Cmdline(Str text) : text_(text) {}

  // The value of the last "key=value" word (later words override earlier
  // ones, as on Linux). A bare "key" has the empty value.
  bool value(Str key, Str& out) const;
  bool has(Str key) const {
    Str ignored;
    return value(key, ignored);
  }
  Str text() const { return text_; }

 private:
  Str text_;
};

}  // namespace nucleo

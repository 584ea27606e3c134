// SPDX-License-Identifier: MIT
#include "kernel/boot_info/cmdline.hpp"

namespace nucleo {

bool Cmdline::value(Str key, Str& out) const {
  bool found = false;
  usize i = 0;
  while (i < text_.size()) {
    while (i < text_.size() && text_[i] == ' ') ++i;
    usize end = i;
    while (end < text_.size() && text_[end] != ' ') ++end;
    const Str word = text_.substr(i, end - i);
    const usize eq = word.find('=');
    const Str name = eq == Str::npos ? word : word.substr(0, eq);
    if (!word.empty() && name == key) {
      out = eq == Str::npos ? Str() : word.substr(eq + 1);
      found = true;
    }
    i = end;
  }
  return found;
}

}  // namespace nucleo

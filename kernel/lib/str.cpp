// SPDX-License-Identifier: MIT
#include "kernel/lib/str.hpp"

namespace nucleo {

bool parse_u64(Str text, u64& out) {
  u64 base = 10;
  if (text.starts_with("0x") || text.starts_with("0X")) {
    base = 16;
    text = text.substr(2);
  }
  if (text.empty()) return false;
  u64 value = 0;
  for (char c : text) {
    u64 digit;
    if (c >= '0' && c <= '9') digit = static_cast<u64>(c - '0');
    else if (base == 16 && c >= 'a' && c <= 'f') digit = static_cast<u64>(c - 'a' + 10);
    else if (base == 16 && c >= 'A' && c <= 'F') digit = static_cast<u64>(c - 'A' + 10);
    else return false;
    if (digit >= base) return false;
    if (value > (UINT64_MAX - digit) / base) return false;
    value = value * base + digit;
  }
  out = value;
  return true;
}

}  // namespace nucleo

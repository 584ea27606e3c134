// SPDX-License-Identifier: MIT
// a * b / c with a 128-bit intermediate product, without the compiler
// runtime's 128-bit division (__udivti3), which the kernel does not link.
// Saturates to UINT64_MAX when the quotient does not fit (or c == 0)
// instead of raising #DE.
#pragma once

#include "kernel/lib/types.hpp"

namespace nucleo {

inline u64 mul_div(u64 a, u64 b, u64 c) {
  if (c == 0) return UINT64_MAX;
  u64 lo, hi;
  asm("mulq %3" : "=a"(lo), "=d"(hi) : "a"(a), "rm"(b) : "cc");
  if (hi >= c) return UINT64_MAX;
  u64 quotient, remainder;
  asm("divq %4" : "=a"(quotient), "=d"(remainder) : "a"(lo), "d"(hi), "rm"(c) : "cc");
  return quotient;
}

}  // namespace nucleo

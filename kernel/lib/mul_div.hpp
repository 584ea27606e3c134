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

// The smallest x with mul_div(x, b, c) >= n: the first time a clock of
// rate b/c reaches count n. Closed form, no search: x0 = floor(n * c / b)
// has floor(x0 * b / c) <= n and x0 + 1 reaches n, so at most one step.
// Saturates to UINT64_MAX (never reached) when b == 0 or x overflows.
inline u64 mul_div_inverse(u64 n, u64 b, u64 c) {
  if (b == 0) return UINT64_MAX;
  const u64 x = mul_div(n, c, b);
  return x != UINT64_MAX && mul_div(x, b, c) < n ? x + 1 : x;
}

}  // namespace nucleo

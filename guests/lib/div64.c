/* SPDX-License-Identifier: MIT */
/* udivmod64(): on i686 two 32-bit DIVs, the high word first, then
 * (remainder:low); the second cannot overflow because the remainder is
 * below the divisor (SDM Vol. 2A, DIV). x86_64 divides natively. */
#include <guest/div64.h>

u64 udivmod64(u64 n, u32 d, u32* rem) {
  if (d == 0) {
    if (rem) *rem = 0;
    return 0;
  }
#if defined(__x86_64__)
  if (rem) *rem = (u32)(n % d);
  return n / d;
#else
  u32 hi = (u32)(n >> 32), lo = (u32)n;
  u32 q_hi = hi / d, r = hi % d, q_lo;
  __asm__("divl %4" : "=a"(q_lo), "=d"(r) : "a"(lo), "d"(r), "rm"(d));
  if (rem) *rem = r;
  return (u64)q_hi << 32 | q_lo;
#endif
}

/* SPDX-License-Identifier: MIT */
/* The few library routines a freestanding i686 program needs: clang may emit
 * calls to memset/memcpy, and 64-bit division would otherwise need libgcc. */
#include "pc.h"

/* Two 32-bit DIVs: the high word first, then (remainder:low). The second
 * cannot overflow because the remainder is below the divisor (SDM Vol. 2A,
 * DIV). A zero divisor yields 0 instead of #DE. */
u64 udivmod64(u64 n, u32 d, u32* rem) {
  if (d == 0) {
    if (rem) *rem = 0;
    return 0;
  }
  u32 hi = (u32)(n >> 32), lo = (u32)n;
  u32 q_hi = hi / d, r = hi % d, q_lo;
  __asm__("divl %4" : "=a"(q_lo), "=d"(r) : "a"(lo), "d"(r), "rm"(d));
  if (rem) *rem = r;
  return (u64)q_hi << 32 | q_lo;
}

void* memset(void* d, int c, usize n) {
  void* ret = d;
  __asm__ volatile("rep stosb" : "+D"(d), "+c"(n) : "a"(c) : "memory");
  return ret;
}

void* memcpy(void* d, const void* s, usize n) {
  void* ret = d;
  __asm__ volatile("rep movsb" : "+D"(d), "+S"(s), "+c"(n)::"memory");
  return ret;
}

bool mem_eq(const void* a, const void* b, usize n) {
  const u8 *x = a, *y = b;
  for (usize i = 0; i < n; ++i)
    if (x[i] != y[i]) return false;
  return true;
}

u8 checksum8(const void* p, usize n) {
  const u8* b = p;
  u8 sum = 0;
  for (usize i = 0; i < n; ++i) sum = (u8)(sum + b[i]);
  return sum;
}

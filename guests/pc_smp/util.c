/* SPDX-License-Identifier: MIT */
/* The few library routines a freestanding i686 program needs: clang may emit
 * calls to memset/memcpy (64-bit division is guest/div64.h's). */
#include "pc.h"

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

// SPDX-License-Identifier: MIT
// The four functions the compiler may call even in freestanding code
// (struct copies, zero-initialisation). String instructions, so the
// optimiser cannot turn these loops back into calls to themselves.
#include "kernel/lib/types.hpp"

using nucleo::usize;

extern "C" {

void* memcpy(void* dst, const void* src, usize n) {
  void* d = dst;
  asm volatile("rep movsb" : "+D"(d), "+S"(src), "+c"(n) : : "memory");
  return dst;
}

void* memset(void* dst, int c, usize n) {
  void* d = dst;
  asm volatile("rep stosb" : "+D"(d), "+c"(n) : "a"(c) : "memory");
  return dst;
}

void* memmove(void* dst, const void* src, usize n) {
  auto* d = static_cast<unsigned char*>(dst);
  const auto* s = static_cast<const unsigned char*>(src);
  if (d <= s || d >= s + n) return memcpy(dst, src, n);
  // Overlap with dst above src: copy backwards.
  const unsigned char* sl = s + n - 1;
  unsigned char* dl = d + n - 1;
  asm volatile("std; rep movsb; cld" : "+D"(dl), "+S"(sl), "+c"(n) : : "memory");
  return dst;
}

int memcmp(const void* a, const void* b, usize n) {
  const auto* x = static_cast<const unsigned char*>(a);
  const auto* y = static_cast<const unsigned char*>(b);
  for (usize i = 0; i < n; ++i)
    if (x[i] != y[i]) return x[i] < y[i] ? -1 : 1;
  return 0;
}

// Pure virtual call: a broken vtable, reached only by a kernel bug.
void __cxa_pure_virtual() {
  for (;;) asm volatile("cli; hlt");
}

}  // extern "C"

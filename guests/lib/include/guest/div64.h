/* SPDX-License-Identifier: MIT */
/* guest/div64.h: 64-bit by 32-bit division without libgcc (i686 has no
 * 64-bit DIV, and a C `/` on u64 becomes a call to __udivdi3). */
#ifndef GUEST_DIV64_H
#define GUEST_DIV64_H

#include <guest/types.h>

/* n / d, and n % d in *rem when rem is not NULL; a zero d yields 0 and
 * remainder 0 instead of #DE. */
u64 udivmod64(u64 n, u32 d, u32* rem);
static inline u64 udiv64(u64 n, u32 d) { return udivmod64(n, d, NULL); }
/* n * mul / div, for n * mul below 2^64. */
static inline u64 muldiv64(u64 n, u32 mul, u32 div) { return udiv64(n * mul, div); }

#endif

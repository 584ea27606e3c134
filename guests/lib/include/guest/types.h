/* SPDX-License-Identifier: MIT */
/* guest/types.h: the integer types every in-tree guest uses, the same for
 * i686 (32-bit guests, paging off: a pointer is a physical address) and
 * x86_64. Only <stdint.h> and <stddef.h>, which a freestanding compiler
 * provides (C17 4p6), are relied upon. */
#ifndef GUEST_TYPES_H
#define GUEST_TYPES_H

#include <stddef.h>
#include <stdint.h>

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
typedef int8_t i8;
typedef int16_t i16;
typedef int32_t i32;
typedef int64_t i64;
typedef uintptr_t uptr; /* an address as a number: 32 or 64 bits */
typedef intptr_t iptr;

/* C23 makes bool, true and false keywords; before it they are ours, as
 * _Bool, so that a comparison stored in a bool is always 0 or 1. */
#if !defined(__cplusplus) && (!defined(__STDC_VERSION__) || __STDC_VERSION__ < 202311L)
typedef _Bool bool;
#define true 1
#define false 0
#endif

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#endif

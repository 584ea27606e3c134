/* SPDX-License-Identifier: MIT */
/* Console lines through NUCLEO_HC_CONSOLE_WRITE: each say() formats one
 * whole line into a stack buffer (its address is its guest-physical
 * address) and writes it with one call. */
#include <stdarg.h>

#include "bpv.h"

enum { LINE_MAX = 200 };

static void put(char* line, u32* len, char c) {
  if (*len < LINE_MAX) line[(*len)++] = c;
}

static void put_u64(char* line, u32* len, u64 v) {
  char digits[24];
  u32 n = 0;
  do {
    digits[n++] = (char)('0' + v % 10);
    v /= 10;
  } while (v);
  while (n) put(line, len, digits[--n]);
}

void say(const char* fmt, ...) {
  char line[LINE_MAX + 1];
  u32 len = 0;
  for (const char* p = "bench_pv: "; *p; ++p) put(line, &len, *p);
  va_list ap;
  va_start(ap, fmt);
  for (; *fmt; ++fmt) {
    if (*fmt != '%') {
      put(line, &len, *fmt);
      continue;
    }
    switch (*++fmt) {
      case 's':
        for (const char* s = va_arg(ap, const char*); *s; ++s) put(line, &len, *s);
        break;
      case 'u': put_u64(line, &len, va_arg(ap, u32)); break;
      case 'U': put_u64(line, &len, va_arg(ap, u64)); break;
      default: break; /* a bad format is a bug here: drop the directive */
    }
  }
  va_end(ap);
  line[len++] = '\n';
  hc2(NUCLEO_HC_CONSOLE_WRITE, (u64)line, len);
}

void pv_exit(u32 code) {
  hc1(NUCLEO_HC_EXIT, code);
  for (;;) __asm__ volatile("cli; hlt");
}

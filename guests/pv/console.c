/* SPDX-License-Identifier: MIT */
/* Console lines through NUCLEO_HC_CONSOLE_WRITE: each say() formats one
 * whole line (with its newline) into a buffer on the caller's stack and
 * writes it with one call, so lines of different vCPUs never interleave.
 * The buffer's address is its guest-physical address (identity mapping). */
#include <stdarg.h>

#include "pv.h"

enum { LINE_MAX = 240 };

struct line {
  char text[LINE_MAX + 1];
  u32 length;
};

static void put(struct line* l, char c) {
  if (l->length < LINE_MAX) l->text[l->length++] = c;
}

static void put_u64(struct line* l, u64 v, u32 base) {
  char digits[24];
  u32 n = 0;
  do {
    digits[n++] = "0123456789abcdef"[v % base];
    v /= base;
  } while (v);
  if (base == 16) put(l, '0'), put(l, 'x');
  while (n) put(l, digits[--n]);
}

static void format(struct line* l, const char* prefix, const char* fmt, va_list ap) {
  for (const char* p = prefix; *p; ++p) put(l, *p);
  for (; *fmt; ++fmt) {
    if (*fmt != '%') {
      put(l, *fmt);
      continue;
    }
    switch (*++fmt) {
      case 's':
        for (const char* s = va_arg(ap, const char*); *s; ++s) put(l, *s >= 0x20 && *s < 0x7f ? *s : '?');
        break;
      case 'c': put(l, (char)va_arg(ap, int)); break;
      case 'u': put_u64(l, va_arg(ap, u32), 10); break;
      case 'x': put_u64(l, va_arg(ap, u32), 16); break;
      case 'U': put_u64(l, va_arg(ap, u64), 10); break;
      case 'X': put_u64(l, va_arg(ap, u64), 16); break;
      case '%': put(l, '%'); break;
      default: return;
    }
  }
}

static void emit(struct line* l) {
  l->text[l->length++] = '\n';
  hc2(NUCLEO_HC_CONSOLE_WRITE, (u64)l->text, l->length);
}

void say(const char* fmt, ...) {
  struct line l;
  l.length = 0;
  va_list ap;
  va_start(ap, fmt);
  format(&l, "pv: ", fmt, ap);
  va_end(ap);
  emit(&l);
}

void fail(u32 code, const char* fmt, ...) {
  struct line l;
  l.length = 0;
  va_list ap;
  va_start(ap, fmt);
  format(&l, "pv: FAIL ", fmt, ap);
  va_end(ap);
  emit(&l);
  say("exiting with code %u", code);
  pv_exit(code);
}

void pv_exit(u32 code) {
  hc1(NUCLEO_HC_EXIT, code);
  for (;;) __asm__ volatile("cli; hlt");
}

u32 str_len(const char* s) {
  u32 n = 0;
  while (s[n]) ++n;
  return n;
}

bool str_eq(const char* a, const char* b, u32 n) {
  for (u32 i = 0; i < n; ++i)
    if (a[i] != b[i]) return false;
  return true;
}

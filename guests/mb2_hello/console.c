/* SPDX-License-Identifier: MIT */
/* COM1 (16550 at 0x3f8, polled on LSR bit 5 "THR empty", 16550 data sheet)
 * and the exit through QEMU's isa-debug-exit at port 0xf4. */
#include <stdarg.h>

#include "mb2.h"

enum { COM1 = 0x3f8, LSR = 5, THR_EMPTY = 0x20 };

static void putc(char c) {
  for (u32 i = 0; i < 100000 && !(inb(COM1 + LSR) & THR_EMPTY); ++i) __asm__ volatile("pause");
  outb(COM1, (u8)c);
}

static void put_u32(u32 v, u32 base) {
  char digits[12];
  int n = 0;
  do {
    digits[n++] = "0123456789abcdef"[v % base];
    v /= base;
  } while (v);
  while (n) putc(digits[--n]);
}

void say(const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  for (const char* p = "mb2_hello: "; *p; ++p) putc(*p);
  for (; *fmt; ++fmt) {
    if (*fmt != '%') {
      putc(*fmt);
      continue;
    }
    switch (*++fmt) {
      case 's':
        for (const char* s = va_arg(ap, const char*); *s; ++s) putc(*s >= 0x20 && *s < 0x7f ? *s : '?');
        break;
      case 'u': put_u32(va_arg(ap, u32), 10); break;
      case 'x': putc('0'), putc('x'), put_u32(va_arg(ap, u32), 16); break;
      default: va_end(ap); return;
    }
  }
  putc('\n');
  va_end(ap);
}

void guest_exit(u32 code) {
  outb(0xf4, (u8)code); /* QEMU exits with status (code << 1) | 1 */
  say("no isa-debug-exit device at 0xf4; halting");
  for (;;) __asm__ volatile("cli; hlt");
}

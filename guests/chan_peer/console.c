/* SPDX-License-Identifier: MIT */
/* COM1 (16550 at 0x3f8, polled on LSR bit 5 "THR empty", 16550 data sheet)
 * and the exit through QEMU's isa-debug-exit at port 0xf4. */
#include <stdarg.h>

#include "peer.h"

enum { COM1 = 0x3f8, LSR = 5, THR_EMPTY = 0x20 };

static void putc(char c) {
  for (u32 i = 0; i < 100000 && !(inb(COM1 + LSR) & THR_EMPTY); ++i) __asm__ volatile("pause");
  outb(COM1, (u8)c);
}

/* Decimal for 32 bits, hex for 64: no 64-bit division on i686. */
static void put_number(u64 v, bool hex) {
  char digits[24];
  int n = 0;
  if (hex) {
    do {
      digits[n++] = "0123456789abcdef"[v & 15];
      v >>= 4;
    } while (v);
    putc('0'), putc('x');
  } else {
    u32 d = (u32)v;
    do {
      digits[n++] = (char)('0' + d % 10);
      d /= 10;
    } while (d);
  }
  while (n) putc(digits[--n]);
}

static void line(const char* prefix, const char* fmt, va_list ap) {
  for (const char* p = prefix; *p; ++p) putc(*p);
  for (; *fmt; ++fmt) {
    if (*fmt != '%') {
      putc(*fmt);
      continue;
    }
    switch (*++fmt) {
      case 's':
        for (const char* s = va_arg(ap, const char*); *s; ++s) putc(*s >= 0x20 && *s < 0x7f ? *s : '?');
        break;
      case 'u': put_number(va_arg(ap, u32), false); break;
      case 'x': put_number(va_arg(ap, u32), true); break;
      case 'X': put_number(va_arg(ap, u64), true); break;
      default: putc('\n'); return;
    }
  }
  putc('\n');
}

void say(const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  line("chan_peer: ", fmt, ap);
  va_end(ap);
}

void fail(u32 code, const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  line("chan_peer: FAIL ", fmt, ap);
  va_end(ap);
  say("exiting with code %u", code);
  guest_exit(code);
}

void guest_exit(u32 code) {
  outb(0xf4, (u8)code); /* QEMU exits with status (code << 1) | 1 */
  say("no isa-debug-exit device at 0xf4; halting");
  for (;;) __asm__ volatile("cli; hlt");
}

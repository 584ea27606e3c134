/* SPDX-License-Identifier: MIT */
/* COM1 (16550 at 0x3f8, polled: LSR bit 5 "THR empty" before each byte, per
 * the 16550 data sheet) and one-line messages. Only the boot vCPU prints. */
#include <stdarg.h>

#include "fv.h"

enum { COM1 = 0x3f8, REG_THR = 0, REG_IER = 1, REG_FCR = 2, REG_LCR = 3, REG_MCR = 4, REG_LSR = 5 };
enum { LSR_THR_EMPTY = 0x20, LINE_MAX = 200, MAX_POLLS = 100000 };

void console_init(void) {
  outb(COM1 + REG_IER, 0);    /* polled: no UART interrupts */
  outb(COM1 + REG_LCR, 0x80); /* DLAB: divisor 1 = 115200 baud */
  outb(COM1 + 0, 1);
  outb(COM1 + 1, 0);
  outb(COM1 + REG_LCR, 0x03); /* 8N1 */
  outb(COM1 + REG_FCR, 0x07); /* FIFOs on and cleared */
  outb(COM1 + REG_MCR, 0x03); /* DTR, RTS */
}

/* Bounded: a UART that never says "empty" must not hang the guest. */
void com1_putc(char c) {
  for (u32 i = 0; i < MAX_POLLS && !(inb(COM1 + REG_LSR) & LSR_THR_EMPTY); ++i) pause();
  outb(COM1 + REG_THR, (u8)c);
}

static void put(char* line, u32* len, char c) {
  if (*len < LINE_MAX) line[(*len)++] = c;
}

static void put_u64(char* line, u32* len, u64 v) {
  char digits[24];
  u32 n = 0;
  /* u64 / 10 would need libgcc on i686: subtract powers of ten instead (at
   * most 9 per position, 20 positions). */
  static const u64 kPow[20] = {10000000000000000000ull, 1000000000000000000ull, 100000000000000000ull,
                               10000000000000000ull, 1000000000000000ull, 100000000000000ull, 10000000000000ull,
                               1000000000000ull, 100000000000ull, 10000000000ull, 1000000000ull, 100000000ull,
                               10000000ull, 1000000ull, 100000ull, 10000ull, 1000ull, 100ull, 10ull, 1ull};
  bool started = false;
  for (u32 i = 0; i < 20; ++i) {
    char d = '0';
    while (v >= kPow[i]) v -= kPow[i], ++d;
    if (d != '0' || started || i == 19) digits[n++] = d, started = true;
  }
  for (u32 i = 0; i < n; ++i) put(line, len, digits[i]);
}

void say(const char* fmt, ...) {
  char line[LINE_MAX + 1];
  u32 len = 0;
  for (const char* p = "bench_fv: "; *p; ++p) put(line, &len, *p);
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
  for (u32 i = 0; i < len; ++i) com1_putc(line[i]);
  com1_putc('\n');
}

/* QEMU's isa-debug-exit semantics on port 0xf4 (nucleo's debug-exit device). */
void guest_exit(u32 code) {
  outb(0xf4, (u8)code);
  say("no debug-exit device at 0xf4; halting");
  for (;;) __asm__ volatile("cli; hlt");
}

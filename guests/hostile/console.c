/* SPDX-License-Identifier: MIT */
/* COM1 (16550 at 0x3f8, polled on LSR bit 5 "THR empty", 16550 data sheet),
 * the exit through isa-debug-exit at port 0xf4, and the tally of attempts. */
#include <stdarg.h>

#include "hostile.h"

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

/* Hex by shifts: a 64-bit division would need libgcc's __udivdi3. */
static void put_hex64(u64 v) {
  if (v >> 32) {
    put_u32((u32)(v >> 32), 16);
    for (int shift = 28; shift >= 0; shift -= 4) putc("0123456789abcdef"[(v >> shift) & 15]);
  } else {
    put_u32((u32)v, 16);
  }
}

void say(const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  for (const char* p = "hostile: "; *p; ++p) putc(*p);
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
      case 'd': {
        const i32 v = va_arg(ap, i32);
        if (v < 0) putc('-');
        put_u32(v < 0 ? 0u - (u32)v : (u32)v, 10);
        break;
      }
      case 'x': putc('0'), putc('x'), put_u32(va_arg(ap, u32), 16); break;
      case 'X': putc('0'), putc('x'), put_hex64(va_arg(ap, u64)); break;
      default: va_end(ap); return;
    }
  }
  putc('\n');
  va_end(ap);
}

void guest_exit(u32 code) {
  outb(0xf4, (u8)code); /* QEMU: status (code << 1) | 1; nucleo: the VM's exit code */
  say("no isa-debug-exit device at 0xf4; halting");
  for (;;) __asm__ volatile("cli; hlt");
}

struct tally tally;

const char* verdict(bool ok) {
  if (!under_nucleo) return "not judged (no nucleo)";
  ++tally.attempts;
  if (ok) ++tally.contained;
  return ok ? "contained" : "UNEXPECTED";
}

const char* fault_name(u32 r) {
  static const char* const names[32] = {
      "#DE", "#DB", "NMI", "#BP", "#OF", "#BR", "#UD", "#NM", "#DF", "vector 9", "#TS", "#NP", "#SS", "#GP", "#PF",
      "vector 15", "#MF", "#AC", "#MC", "#XM", "#VE", "#CP", "vector 22", "vector 23", "vector 24", "vector 25",
      "vector 26", "vector 27", "vector 28", "vector 29", "vector 30", "vector 31"};
  return r == 0 ? "returned" : names[r & 31];
}

/* Called by probe.S for an exception outside any attempt. */
void unexpected_fault(u32 vector, u32 error, u32 eip);
void unexpected_fault(u32 vector, u32 error, u32 eip) {
  say("FAIL unexpected exception %s (vector %u), error code %x, at EIP %x", fault_name(PROBE_FAULT | vector), vector,
      error, eip);
  guest_exit(EXIT_UNEXPECTED_FAULT);
}

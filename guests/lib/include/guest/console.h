/* SPDX-License-Identifier: MIT */
/* guest/console.h: one-line messages. say() formats a whole line into a
 * buffer (the prefix given to console_init first, then the format, at most
 * CONSOLE_LINE_MAX characters) and hands it to the console device with its
 * newline in one piece, so the lines of different CPUs never interleave.
 *
 * The device is what the guest links: com1.c (a 16550 at 0x3f8, polled:
 * for guests written for a PC) or console_hc.c (NUCLEO_HC_CONSOLE_WRITE:
 * for paravirtualized guests, which do no port I/O).
 *
 * Formats: %s (a string; bytes outside 0x20-0x7e print as '?'), %c, %u
 * (u32), %d (i32), %x (u32 as 0x...), %U (u64), %X (u64 as 0x...), %%.
 * Any other directive ends the line there (a bad format is a bug). */
#ifndef GUEST_CONSOLE_H
#define GUEST_CONSOLE_H

#include <stdarg.h>

#include <guest/types.h>

enum { CONSOLE_LINE_MAX = 240 };

/* Sets the prefix of every line (kept by pointer: a string literal such as
 * "bench_fv: ") and initialises the device. Call it before the first say. */
void console_init(const char* prefix);
void say(const char* fmt, ...);
/* say() with `tag` between the prefix and the text ("FAIL " for fail()). */
void vsay(const char* tag, const char* fmt, va_list ap);
/* Formats into buf (always NUL-terminated when size > 0, truncated to fit);
 * returns the length. */
u32 vformat(char* buf, u32 size, const char* fmt, va_list ap);

/* The device (com1.c or console_hc.c). console_putc writes one byte as it
 * is, without a line prefix: what bench_fv times as a UART byte. */
void console_device_init(void);
void console_putc(char c);
void console_device_write(const char* text, u32 length);

#endif

/* SPDX-License-Identifier: MIT */
/* The console device of a guest written for a PC: COM1, a 16550 at 0x3f8
 * (16550 data sheet), 115200 baud 8N1, FIFOs on, no UART interrupts; each
 * byte waits for LSR bit 5 "THR empty" (polled, bounded: a UART that never
 * says "empty" must not hang the guest). */
#include <guest/console.h>
#include <guest/io.h>

enum { COM1 = 0x3f8, REG_THR = 0, REG_IER = 1, REG_FCR = 2, REG_LCR = 3, REG_MCR = 4, REG_LSR = 5 };
enum { LSR_THR_EMPTY = 0x20, MAX_POLLS = 100000 };

void console_device_init(void) {
  outb(COM1 + REG_IER, 0);    /* polled: no UART interrupts */
  outb(COM1 + REG_LCR, 0x80); /* DLAB: divisor 1 = 115200 baud */
  outb(COM1 + 0, 1);
  outb(COM1 + 1, 0);
  outb(COM1 + REG_LCR, 0x03); /* 8N1 */
  outb(COM1 + REG_FCR, 0x07); /* FIFOs on and cleared */
  outb(COM1 + REG_MCR, 0x03); /* DTR, RTS */
}

void console_putc(char c) {
  for (u32 i = 0; i < MAX_POLLS && !(inb(COM1 + REG_LSR) & LSR_THR_EMPTY); ++i) pause();
  outb(COM1 + REG_THR, (u8)c);
}

void console_device_write(const char* text, u32 length) {
  for (u32 i = 0; i < length; ++i) console_putc(text[i]);
}

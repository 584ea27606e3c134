/* SPDX-License-Identifier: MIT */
/* The console device of a paravirtualized guest: NUCLEO_HC_CONSOLE_WRITE
 * (docs/hypercalls.md), one call per line. The buffer's address is its
 * guest-physical address: the guest runs identity-mapped. */
#include <guest/console.h>
#include <guest/hypercall.h>

void console_device_init(void) {}

void console_putc(char c) { (void)hc2(NUCLEO_HC_CONSOLE_WRITE, (uptr)&c, 1); }

void console_device_write(const char* text, u32 length) {
  (void)hc2(NUCLEO_HC_CONSOLE_WRITE, (uptr)text, length);
}

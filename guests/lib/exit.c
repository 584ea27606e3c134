/* SPDX-License-Identifier: MIT */
/* guest_exit() of a guest written for a PC: one OUT to QEMU's
 * isa-debug-exit port 0xf4 (iobase 0xf4, iosize 4), nucleo's debug-exit
 * device. Without it the OUT does nothing: say so and halt for good. */
#include <guest/console.h>
#include <guest/exit.h>
#include <guest/io.h>

enum { DEBUG_EXIT_PORT = 0xf4 };

void guest_exit(u32 code) {
  outb(DEBUG_EXIT_PORT, (u8)code);
  say("no isa-debug-exit device at 0xf4; halting");
  for (;;) __asm__ volatile("cli; hlt");
}

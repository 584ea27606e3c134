/* SPDX-License-Identifier: MIT */
/* guest/exit.h: ending the guest with an exit code. The guest links one of
 * exit.c (a PC guest: QEMU's isa-debug-exit at port 0xf4, which nucleo's
 * debug-exit device also implements; QEMU then exits with status
 * (code << 1) | 1) or exit_hc.c (a paravirtualized guest: NUCLEO_HC_EXIT). */
#ifndef GUEST_EXIT_H
#define GUEST_EXIT_H

#include <guest/types.h>

/* Never returns: without the device it says so and halts with IF = 0. */
__attribute__((noreturn)) void guest_exit(u32 code);
/* Says "FAIL " + the text, then "exiting with code N", and exits (fail.c). */
__attribute__((noreturn)) void fail(u32 code, const char* fmt, ...);

#endif

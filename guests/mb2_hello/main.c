/* SPDX-License-Identifier: MIT */
/* mb2_hello: a small unmodified Multiboot2 guest. It checks and prints its
 * boot information, counts to ticks=N printing "tick i/N", and exits through
 * port 0xf4 with the code exit=C from its command line (0 by default). */
#include <guest/cmdline.h>

#include "mb2.h"

enum { MAX_TICKS = 1000, DEFAULT_TICKS = 3 };

void guest_main(u32 magic, u32 info);
void guest_main(u32 magic, u32 info) {
  console_init("mb2_hello: ");
  say("Multiboot2 guest (ELF32, 32-bit protected mode, paging off)");
  struct boot_info boot;
  u32 status = check_boot_info(magic, info, &boot);
  if (status) {
    say("exiting with code %u (bad boot information)", status);
    guest_exit(status);
  }
  u32 code = 0, ticks = DEFAULT_TICKS;
  if (cmdline_u32(boot.cmdline, "exit", EXIT_MAX_REQUESTED, &code) < 0 ||
      cmdline_u32(boot.cmdline, "ticks", MAX_TICKS, &ticks) < 0) {
    say("cmdline: FAIL exit= takes 0-%u, ticks= 0-%u", EXIT_MAX_REQUESTED, MAX_TICKS);
    guest_exit(EXIT_BAD_CMDLINE);
  }
  for (u32 i = 1; i <= ticks; ++i) say("tick %u/%u", i, ticks);
  say("done, exiting with code %u", code);
  guest_exit(code);
}

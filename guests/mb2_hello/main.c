/* SPDX-License-Identifier: MIT */
/* mb2_hello: a small unmodified Multiboot2 guest. It checks and prints its
 * boot information, counts to ticks=N printing "tick i/N" (with tsc=1:
 * "tick i/N tsc T", the TSC when the line was formatted, so a test can see
 * when a neighbour VM held it up; with work=K a fixed loop of K thousand
 * iterations before each tick, so the TSC between ticks times a fixed
 * amount of work), and exits through port 0xf4 with the code exit=C from
 * its command line (0 by default). */
#include <guest/cmdline.h>
#include <guest/io.h>

#include "mb2.h"

enum { MAX_TICKS = 1000, DEFAULT_TICKS = 3, MAX_WORK = 10000 };

static void fixed_work(u32 thousands) {
  for (volatile u32 i = 0; i < thousands * 1000; ++i) {
  }
}

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
  u32 code = 0, ticks = DEFAULT_TICKS, tsc = 0, work = 0;
  if (cmdline_u32(boot.cmdline, "exit", EXIT_MAX_REQUESTED, &code) < 0 ||
      cmdline_u32(boot.cmdline, "ticks", MAX_TICKS, &ticks) < 0 || cmdline_u32(boot.cmdline, "tsc", 1, &tsc) < 0 ||
      cmdline_u32(boot.cmdline, "work", MAX_WORK, &work) < 0) {
    say("cmdline: FAIL exit= takes 0-%u, ticks= 0-%u, tsc= 0-1, work= 0-%u", EXIT_MAX_REQUESTED, MAX_TICKS, MAX_WORK);
    guest_exit(EXIT_BAD_CMDLINE);
  }
  for (u32 i = 1; i <= ticks; ++i) {
    fixed_work(work);
    if (tsc) say("tick %u/%u tsc %U", i, ticks, rdtsc());
    else say("tick %u/%u", i, ticks);
  }
  say("done, exiting with code %u", code);
  guest_exit(code);
}

/* SPDX-License-Identifier: MIT */
/* mb2_hello: a small unmodified Multiboot2 guest. It checks and prints its
 * boot information, counts to ticks=N printing "tick i/N", and exits through
 * port 0xf4 with the code exit=C from its command line (0 by default). */
#include "mb2.h"

enum { MAX_TICKS = 1000, DEFAULT_TICKS = 3 };

/* The value of `key=` in the space-separated command line as a decimal
 * number: 1 found, 0 absent, -1 present but not a number <= max. */
static int option(const char* cmdline, const char* key, u32 max, u32* value) {
  for (const char* p = cmdline; *p;) {
    while (*p == ' ') ++p;
    const char* k = key;
    const char* w = p;
    while (*k && *w == *k) ++w, ++k;
    if (!*k && *w == '=') {
      u32 v = 0, digits = 0;
      for (++w; *w >= '0' && *w <= '9'; ++w, ++digits) {
        v = v * 10 + (u32)(*w - '0');
        if (v > max) return -1;
      }
      if (digits == 0 || (*w && *w != ' ')) return -1;
      *value = v;
      return 1;
    }
    while (*p && *p != ' ') ++p;
  }
  return 0;
}

void mb2_main(u32 magic, u32 info);
void mb2_main(u32 magic, u32 info) {
  say("Multiboot2 guest (ELF32, 32-bit protected mode, paging off)");
  struct boot_info boot;
  u32 status = check_boot_info(magic, info, &boot);
  if (status) {
    say("exiting with code %u (bad boot information)", status);
    guest_exit(status);
  }
  u32 code = 0, ticks = DEFAULT_TICKS;
  if (option(boot.cmdline, "exit", EXIT_MAX_REQUESTED, &code) < 0 ||
      option(boot.cmdline, "ticks", MAX_TICKS, &ticks) < 0) {
    say("cmdline: FAIL exit= takes 0-%u, ticks= 0-%u", EXIT_MAX_REQUESTED, MAX_TICKS);
    guest_exit(EXIT_BAD_CMDLINE);
  }
  for (u32 i = 1; i <= ticks; ++i) say("tick %u/%u", i, ticks);
  say("done, exiting with code %u", code);
  guest_exit(code);
}

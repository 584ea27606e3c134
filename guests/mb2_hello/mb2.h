/* SPDX-License-Identifier: MIT */
/* mb2_hello: shared declarations. 32-bit protected mode, paging off, so a
 * physical address below 4 GiB is a pointer. */
#ifndef MB2_HELLO_MB2_H
#define MB2_HELLO_MB2_H

#include <guest/console.h>
#include <guest/exit.h>
#include <guest/types.h>

/* Exit codes of their own, above what exit= may ask for (0-111). */
enum {
  EXIT_MAX_REQUESTED = 111,
  EXIT_BAD_MAGIC = 112,   /* EAX is not the Multiboot2 magic */
  EXIT_BAD_INFO = 113,    /* the information structure is malformed */
  EXIT_MISSING_TAG = 114, /* no command line or no memory map tag */
  EXIT_BAD_CMDLINE = 115, /* exit= or ticks= is not a number in range */
};

/* What the information structure said (mbi.c). */
struct boot_info {
  const char* cmdline; /* NULL if there was no tag */
  bool has_mmap;
};
/* Checks and prints the information; returns 0 or an EXIT_* code. */
u32 check_boot_info(u32 magic, u32 addr, struct boot_info* out);

#endif

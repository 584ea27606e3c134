/* SPDX-License-Identifier: MIT */
/* guest/cmdline.h: options of a space-separated kernel command line. */
#ifndef GUEST_CMDLINE_H
#define GUEST_CMDLINE_H

#include <guest/types.h>

/* The value of `key=` as a decimal number: 1 found (in *value), 0 absent,
 * -1 present but not a number <= max. */
int cmdline_u32(const char* cmdline, const char* key, u32 max, u32* value);

#endif

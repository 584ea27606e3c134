/* SPDX-License-Identifier: MIT */
/* The two string routines the command line and the channel name need. */
#include "pv.h"

u32 str_len(const char* s) {
  u32 n = 0;
  while (s[n]) ++n;
  return n;
}

bool str_eq(const char* a, const char* b, u32 n) {
  for (u32 i = 0; i < n; ++i)
    if (a[i] != b[i]) return false;
  return true;
}

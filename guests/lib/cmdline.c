/* SPDX-License-Identifier: MIT */
/* cmdline_u32() (guest/cmdline.h): words separated by spaces, `key=digits`. */
#include <guest/cmdline.h>

int cmdline_u32(const char* cmdline, const char* key, u32 max, u32* value) {
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

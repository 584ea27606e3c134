/* SPDX-License-Identifier: MIT */
/* vformat(): the small printf every guest's say() uses (guest/console.h
 * lists the directives). No 64-bit division on i686 (it would need libgcc's
 * __udivmoddi4): decimal digits come from udivmod64(), hex from shifts. */
#include <guest/console.h>
#include <guest/div64.h>

struct out {
  char* buf;
  u32 size, len;
};

static void put(struct out* o, char c) {
  if (o->len + 1 < o->size) o->buf[o->len++] = c;
}

static void put_num(struct out* o, u64 v, u32 base) {
  char digits[24];
  u32 n = 0;
  if (base == 16) {
    put(o, '0'), put(o, 'x');
    do {
      digits[n++] = "0123456789abcdef"[v & 15];
      v >>= 4;
    } while (v);
  } else {
    do {
      u32 r;
      v = udivmod64(v, 10, &r);
      digits[n++] = (char)('0' + r);
    } while (v);
  }
  while (n) put(o, digits[--n]);
}

u32 vformat(char* buf, u32 size, const char* fmt, va_list ap) {
  struct out o = {buf, size, 0};
  for (; *fmt; ++fmt) {
    if (*fmt != '%') {
      put(&o, *fmt);
      continue;
    }
    switch (*++fmt) {
      case 's':
        for (const char* s = va_arg(ap, const char*); *s; ++s) put(&o, *s >= 0x20 && *s < 0x7f ? *s : '?');
        break;
      case 'c': put(&o, (char)va_arg(ap, int)); break;
      case 'u': put_num(&o, va_arg(ap, u32), 10); break;
      case 'd': {
        const i32 v = va_arg(ap, i32);
        if (v < 0) put(&o, '-');
        put_num(&o, v < 0 ? 0u - (u32)v : (u32)v, 10);
        break;
      }
      case 'x': put_num(&o, va_arg(ap, u32), 16); break;
      case 'U': put_num(&o, va_arg(ap, u64), 10); break;
      case 'X': put_num(&o, va_arg(ap, u64), 16); break;
      case '%': put(&o, '%'); break;
      default: goto done; /* a bad format is a bug here: stop rather than guess */
    }
  }
done:
  if (size) buf[o.len] = 0;
  return o.len;
}

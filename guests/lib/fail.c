/* SPDX-License-Identifier: MIT */
/* fail(): a failed check's last words, "<prefix>FAIL <text>" and
 * "<prefix>exiting with code N", then guest_exit(code). */
#include <guest/console.h>
#include <guest/exit.h>

void fail(u32 code, const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsay("FAIL ", fmt, ap);
  va_end(ap);
  say("exiting with code %u", code);
  guest_exit(code);
}

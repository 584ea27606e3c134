/* SPDX-License-Identifier: MIT */
/* say(): one whole line (prefix, text, newline) formatted on the caller's
 * stack and written to the console device under a lock, so that lines of
 * different CPUs never interleave. The lock is bounded: a CPU that faults
 * while another (or itself) holds it still gets its last words out. */
#include <guest/console.h>
#include <guest/io.h>

enum { LOCK_SPINS = 10000000 };

static const char* g_prefix = "";
static volatile u32 g_lock;

void console_init(const char* prefix) {
  g_prefix = prefix ? prefix : "";
  console_device_init();
}

static u32 append(char* line, u32 len, const char* s) {
  while (*s && len < CONSOLE_LINE_MAX) line[len++] = *s++;
  return len;
}

void vsay(const char* tag, const char* fmt, va_list ap) {
  char line[CONSOLE_LINE_MAX + 2];
  u32 len = append(line, 0, g_prefix);
  if (tag) len = append(line, len, tag);
  len += vformat(line + len, CONSOLE_LINE_MAX + 1 - len, fmt, ap);
  line[len++] = '\n';
  bool locked = false;
  for (u32 i = 0; i < LOCK_SPINS && !(locked = !__atomic_exchange_n(&g_lock, 1, __ATOMIC_ACQUIRE)); ++i) pause();
  console_device_write(line, len);
  if (locked) __atomic_store_n(&g_lock, 0, __ATOMIC_RELEASE);
}

void say(const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsay(0, fmt, ap);
  va_end(ap);
}

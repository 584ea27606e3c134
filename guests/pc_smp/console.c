/* SPDX-License-Identifier: MIT */
/* The check reports, one line each through the library's say() (COM1,
 * whole lines under a lock, so the BSP's and the APs' lines never
 * interleave), and the first failure's code. */
#include "pc.h"

enum { LINE_MAX = CONSOLE_LINE_MAX };

static enum check first_failed;
static u32 failed_count;

static const char* const kNames[] = {
    [CHECK_MULTIBOOT] = "multiboot",   [CHECK_FW_CFG] = "fw_cfg",
    [CHECK_ACPI] = "acpi",             [CHECK_MADT] = "madt",
    [CHECK_PIT] = "pit",               [CHECK_RTC] = "rtc",
    [CHECK_PIC] = "pic",               [CHECK_LAPIC] = "lapic",
    [CHECK_TIMER_ONESHOT] = "timer-oneshot",
    [CHECK_TIMER_PERIODIC] = "timer-periodic",
    [CHECK_TIMER_DEADLINE] = "timer-deadline",
    [CHECK_SMP] = "smp",               [CHECK_IPI] = "ipi",
    [CHECK_NMI] = "nmi",               [CHECK_EXCEPTION] = "exception",
    [CHECK_IOAPIC] = "ioapic",
};

const char* check_name(enum check c) {
  return (u32)c < sizeof kNames / sizeof kNames[0] && kNames[c] ? kNames[c] : "?";
}

static void report(enum check c, const char* verdict, const char* fmt, va_list ap) {
  char details[LINE_MAX - 40];
  vformat(details, sizeof details, fmt, ap);
  say("%s: %s %s", check_name(c), verdict, details);
}

void check_ok(enum check c, const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  report(c, "ok", fmt, ap);
  va_end(ap);
}

void check_fail(enum check c, const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  report(c, "FAIL", fmt, ap);
  va_end(ap);
  if (!failed_count++) first_failed = c;
}

void check_skip(enum check c, const char* why) { say("%s: skipped: %s", check_name(c), why); }

enum check first_failure(void) { return first_failed; }
u32 failures(void) { return failed_count; }

/* SPDX-License-Identifier: MIT */
/* COM1 (16550 at 0x3f8, polled: LSR bit 5 "THR empty" before each byte, per
 * the 16550 data sheet), whole lines under a spinlock so the BSP's and the
 * APs' lines never interleave, and the check reports. */
#include "pc.h"

enum { COM1 = 0x3f8, REG_THR = 0, REG_IER = 1, REG_FCR = 2, REG_LCR = 3, REG_MCR = 4, REG_LSR = 5 };
enum { LSR_THR_EMPTY = 0x20, LINE_MAX = 240 };

static volatile u32 console_lock;
static enum check first_failed;
static u32 failed_count;

void console_init(void) {
  outb(COM1 + REG_IER, 0);     /* polled: no UART interrupts */
  outb(COM1 + REG_LCR, 0x80);  /* DLAB: divisor 1 = 115200 baud */
  outb(COM1 + 0, 1);
  outb(COM1 + 1, 0);
  outb(COM1 + REG_LCR, 0x03);  /* 8N1 */
  outb(COM1 + REG_FCR, 0x07);  /* FIFOs on and cleared */
  outb(COM1 + REG_MCR, 0x03);  /* DTR, RTS */
}

static void com1_putc(char c) {
  /* Bounded: a UART that never says "empty" must not hang the guest. */
  for (u32 i = 0; i < 100000 && !(inb(COM1 + REG_LSR) & LSR_THR_EMPTY); ++i) pause();
  outb(COM1 + REG_THR, (u8)c);
}

static void emit_line(const char* s) {
  while (__atomic_exchange_n(&console_lock, 1, __ATOMIC_ACQUIRE)) pause();
  for (; *s; ++s) com1_putc(*s);
  com1_putc('\n');
  __atomic_store_n(&console_lock, 0, __ATOMIC_RELEASE);
}

struct out {
  char* buf;
  usize size, len;
};

static void put(struct out* o, char c) {
  if (o->len + 1 < o->size) o->buf[o->len++] = c;
}

static void put_num(struct out* o, u64 v, u32 base) {
  char digits[24];
  int n = 0;
  do {
    u32 r;
    v = udivmod64(v, base, &r);
    digits[n++] = "0123456789abcdef"[r];
  } while (v);
  while (n) put(o, digits[--n]);
}

void vformat(char* buf, usize size, const char* fmt, va_list ap) {
  struct out o = {buf, size, 0};
  for (; *fmt; ++fmt) {
    if (*fmt != '%') {
      put(&o, *fmt);
      continue;
    }
    switch (*++fmt) {
      case 's':
        for (const char* s = va_arg(ap, const char*); *s; ++s) put(&o, *s);
        break;
      case 'c': put(&o, (char)va_arg(ap, int)); break;
      case 'u': put_num(&o, va_arg(ap, u32), 10); break;
      case 'x': put(&o, '0'), put(&o, 'x'), put_num(&o, va_arg(ap, u32), 16); break;
      case 'U': put_num(&o, va_arg(ap, u64), 10); break;
      case 'X': put(&o, '0'), put(&o, 'x'), put_num(&o, va_arg(ap, u64), 16); break;
      case '%': put(&o, '%'); break;
      default: return;  /* a bad format is a bug here; stop rather than guess */
    }
  }
  if (size) buf[o.len] = 0;
}

void say(const char* fmt, ...) {
  char line[LINE_MAX];
  va_list ap;
  va_start(ap, fmt);
  vformat(line, sizeof line, fmt, ap);
  va_end(ap);
  emit_line(line);
}

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
};

const char* check_name(enum check c) {
  return (u32)c < sizeof kNames / sizeof kNames[0] && kNames[c] ? kNames[c] : "?";
}

static void report(enum check c, const char* verdict, const char* fmt, va_list ap) {
  char details[LINE_MAX - 40];
  vformat(details, sizeof details, fmt, ap);
  say("pc_smp: %s: %s %s", check_name(c), verdict, details);
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

void check_skip(enum check c, const char* why) { say("pc_smp: %s: skipped: %s", check_name(c), why); }

enum check first_failure(void) { return first_failed; }
u32 failures(void) { return failed_count; }

/* QEMU's isa-debug-exit (iobase 0xf4) ends the emulator with status
 * (code << 1) | 1. Without it the OUT does nothing and the CPU halts. */
void guest_exit(u32 code) {
  outb(0xf4, (u8)code);
  say("pc_smp: no isa-debug-exit device at 0xf4; halting");
  for (;;) __asm__ volatile("cli; hlt");
}

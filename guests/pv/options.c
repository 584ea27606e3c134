/* SPDX-License-Identifier: MIT */
/* The Multiboot2 boot information (Multiboot2 spec 1.0, 3.6: u32
 * total_size, u32 reserved, then 8-byte aligned tags {u32 type, u32 size}
 * up to the end tag) and the options of the command line tag:
 *   channel=NAME  the channel to talk over (absent: no channel test)
 *   rounds=N      messages to exchange, 1..1000 (default 4)
 *   bytes=N       payload bytes per message, 1..2024 (default 256)
 * Every tag is bounds-checked before it is read. */
#include "pv.h"

enum { MB2_MAGIC = 0x36d76289, MAX_INFO = 1u << 20, TAG_END = 0, TAG_CMDLINE = 1 };
enum { MAX_ROUNDS = 1000, MAX_BYTES = 2024, DEFAULT_ROUNDS = 4, DEFAULT_BYTES = 256 };

struct tag {
  u32 type, size;
};

static const char* find_cmdline(u32 magic, u64 mbi) {
  if (magic != MB2_MAGIC) fail(EXIT_BOOT, "boot: EAX is %x, not the Multiboot2 magic %x", magic, MB2_MAGIC);
  const u32 total = mbi && !(mbi & 7) ? *(const u32*)mbi : 0;
  if (total < 16 || total > MAX_INFO) fail(EXIT_BOOT, "boot: information at %X with total size %u", mbi, total);
  for (u32 off = 8; off + sizeof(struct tag) <= total;) {
    const struct tag* t = (const struct tag*)(mbi + off);
    if (t->size < sizeof *t || t->size > total - off) break;
    if (t->type == TAG_END) return "";
    if (t->type == TAG_CMDLINE) {
      const char* s = (const char*)(t + 1);
      for (u32 i = 0; i + sizeof *t < t->size; ++i)
        if (s[i] == 0) return s;
      fail(EXIT_BOOT, "boot: the command line is not terminated inside its tag");
    }
    off = (off + t->size + 7) & ~7u;
  }
  fail(EXIT_BOOT, "boot: the information has no end tag inside its %u bytes", total);
}

/* The value of `key=` in the space-separated command line: its start and
 * length, or 0 when the key is absent. */
static const char* option(const char* cmdline, const char* key, u32* length) {
  const u32 key_len = str_len(key);
  for (const char* p = cmdline; *p;) {
    while (*p == ' ') ++p;
    const char* end = p;
    while (*end && *end != ' ') ++end;
    if ((u32)(end - p) > key_len && str_eq(p, key, key_len) && p[key_len] == '=') {
      *length = (u32)(end - p) - key_len - 1;
      return p + key_len + 1;
    }
    p = end;
  }
  return 0;
}

static u32 number(const char* cmdline, const char* key, u32 min, u32 max, u32 fallback) {
  u32 length = 0;
  const char* v = option(cmdline, key, &length);
  if (!v) return fallback;
  u32 value = 0;
  for (u32 i = 0; i < length; ++i) {
    if (v[i] < '0' || v[i] > '9' || value > max) value = max + 1;
    else value = value * 10 + (u32)(v[i] - '0');
  }
  if (length == 0 || value < min || value > max) fail(EXIT_CMDLINE, "cmdline: %s= takes %u-%u", key, min, max);
  return value;
}

void read_options(u32 magic, u64 mbi, struct options* out) {
  const char* cmdline = find_cmdline(magic, mbi);
  say("boot: Multiboot2 magic ok, command line \"%s\"", cmdline);
  out->rounds = number(cmdline, "rounds", 1, MAX_ROUNDS, DEFAULT_ROUNDS);
  out->bytes = number(cmdline, "bytes", 1, MAX_BYTES, DEFAULT_BYTES);
  u32 length = 0;
  const char* name = option(cmdline, "channel", &length);
  if (name && (length == 0 || length > NUCLEO_HC_CHANNEL_NAME_MAX))
    fail(EXIT_CMDLINE, "cmdline: channel= takes a name of 1-%u characters", NUCLEO_HC_CHANNEL_NAME_MAX);
  for (u32 i = 0; name && i < length; ++i) out->channel[i] = name[i];
  out->channel[name ? length : 0] = 0;
}

/* SPDX-License-Identifier: MIT */
/* The channel through QEMU's firmware configuration device, traditional I/O
 * interface (QEMU docs/specs/fw_cfg.rst): a 16-bit selector at 0x510, an
 * 8-bit data port at 0x511 reading the selected item byte by byte. The
 * signature item says "QEMU"; the file directory (key 0x19, big-endian: a
 * count, then 64-byte entries {u32 size, u16 select, u16 reserved,
 * char name[56]}) names the file nucleo publishes per channel,
 * opt/org.nucleo/channel/<name>: u64 GPA, u64 size, u16 doorbell port, all
 * little-endian (docs/hypercalls.md, "Channels seen by an unmodified
 * guest"). */
#include "peer.h"

enum { SELECTOR = 0x510, DATA = 0x511, KEY_SIGNATURE = 0x00, KEY_FILE_DIR = 0x19, NAME_SIZE = 56,
       CHANNEL_FILE_SIZE = 18 };

static const char kPrefix[] = "opt/org.nucleo/channel/";

static void read_bytes(void* out, u32 n) {
  u8* p = out;
  for (u32 i = 0; i < n; ++i) p[i] = inb(DATA);
}
static u32 read_be32(void) {
  u8 b[4];
  read_bytes(b, 4);
  return (u32)b[0] << 24 | (u32)b[1] << 16 | (u32)b[2] << 8 | b[3];
}
static u16 read_be16(void) {
  u8 b[2];
  read_bytes(b, 2);
  return (u16)(b[0] << 8 | b[1]);
}
static u64 le64(const u8* p) {
  u64 v = 0;
  for (int i = 7; i >= 0; --i) v = v << 8 | p[i];
  return v;
}

/* Whether `entry` (NAME_SIZE bytes, NUL-padded) is kPrefix + name exactly. */
static bool is_file(const char* entry, const char* name) {
  u32 i = 0;
  for (const char* p = kPrefix; *p; ++p, ++i)
    if (entry[i] != *p) return false;
  for (const char* p = name; *p; ++p, ++i)
    if (i >= NAME_SIZE || entry[i] != *p) return false;
  return i < NAME_SIZE && entry[i] == 0;
}

void find_channel(const char* name, struct channel_file* out) {
  char sig[4];
  outw(SELECTOR, KEY_SIGNATURE);
  read_bytes(sig, 4);
  if (sig[0] != 'Q' || sig[1] != 'E' || sig[2] != 'M' || sig[3] != 'U')
    fail(EXIT_NO_FW_CFG, "fw_cfg: no device at 0x510 (signature %x, not \"QEMU\")",
         (u32)(u8)sig[0] | (u32)(u8)sig[1] << 8 | (u32)(u8)sig[2] << 16 | (u32)(u8)sig[3] << 24);
  outw(SELECTOR, KEY_FILE_DIR);
  const u32 count = read_be32();
  u32 size = 0;
  u16 select = 0;
  bool found = false;
  for (u32 i = 0; i < count && i < 4096 && !found; ++i) {
    const u32 file_size = read_be32();
    const u16 file_select = read_be16();
    (void)read_be16();
    char entry[NAME_SIZE];
    read_bytes(entry, NAME_SIZE);
    if (is_file(entry, name)) found = true, size = file_size, select = file_select;
  }
  if (!found) fail(EXIT_NO_CHANNEL, "fw_cfg: no file %s%s among the %u files: no channel of that name", kPrefix, name, count);
  if (size < CHANNEL_FILE_SIZE)
    fail(EXIT_BAD_CHANNEL, "fw_cfg: %s%s has %u bytes, not at least %u", kPrefix, name, size, CHANNEL_FILE_SIZE);
  u8 raw[CHANNEL_FILE_SIZE];
  outw(SELECTOR, select);
  read_bytes(raw, sizeof raw);
  out->gpa = le64(raw);
  out->size = le64(raw + 8);
  out->doorbell_port = (u16)(raw[16] | raw[17] << 8);
  say("fw_cfg: %s%s (key %x): region at %X, %u KiB, doorbell port %x", kPrefix, name, select, out->gpa,
      (u32)(out->size >> 10), out->doorbell_port);
}

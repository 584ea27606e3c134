/* SPDX-License-Identifier: MIT */
/* The channel through QEMU's firmware configuration device (guest/fw_cfg.h).
 * The signature item says "QEMU"; the file directory names the file nucleo
 * publishes per channel, opt/org.nucleo/channel/<name>: u64 GPA, u64 size,
 * u16 doorbell port, all little-endian (docs/hypercalls.md, "Channels seen by an unmodified
 * guest"). */
#include <guest/fw_cfg.h>

#include "peer.h"

enum { CHANNEL_FILE_SIZE = 18 };

static const char kPrefix[] = "opt/org.nucleo/channel/";

static u64 le64(const u8* p) {
  u64 v = 0;
  for (int i = 7; i >= 0; --i) v = v << 8 | p[i];
  return v;
}

/* Whether `entry` (NUL-terminated) is kPrefix + name exactly. */
static bool is_file(const char* entry, const char* name) {
  u32 i = 0;
  for (const char* p = kPrefix; *p; ++p, ++i)
    if (entry[i] != *p) return false;
  for (const char* p = name; *p; ++p, ++i)
    if (i >= FW_CFG_FILE_NAME || entry[i] != *p) return false;
  return i < FW_CFG_FILE_NAME && entry[i] == 0;
}

void find_channel(const char* name, struct channel_file* out) {
  char sig[4];
  fw_cfg_select(FW_CFG_SIGNATURE);
  fw_cfg_read(sig, 4);
  if (sig[0] != 'Q' || sig[1] != 'E' || sig[2] != 'M' || sig[3] != 'U')
    fail(EXIT_NO_FW_CFG, "fw_cfg: no device at 0x510 (signature %x, not \"QEMU\")",
         (u32)(u8)sig[0] | (u32)(u8)sig[1] << 8 | (u32)(u8)sig[2] << 16 | (u32)(u8)sig[3] << 24);
  const u32 count = fw_cfg_dir_open();
  u32 size = 0;
  u16 select = 0;
  bool found = false;
  for (u32 i = 0; i < count && i < 4096 && !found; ++i) {
    struct fw_cfg_file f;
    fw_cfg_dir_next(&f);
    if (is_file(f.name, name)) found = true, size = f.size, select = f.select;
  }
  if (!found) fail(EXIT_NO_CHANNEL, "fw_cfg: no file %s%s among the %u files: no channel of that name", kPrefix, name, count);
  if (size < CHANNEL_FILE_SIZE)
    fail(EXIT_BAD_CHANNEL, "fw_cfg: %s%s has %u bytes, not at least %u", kPrefix, name, size, CHANNEL_FILE_SIZE);
  u8 raw[CHANNEL_FILE_SIZE];
  fw_cfg_select(select);
  fw_cfg_read(raw, sizeof raw);
  out->gpa = le64(raw);
  out->size = le64(raw + 8);
  out->doorbell_port = (u16)(raw[16] | raw[17] << 8);
  say("fw_cfg: %s%s (key %x): region at %X, %u KiB, doorbell port %x", kPrefix, name, select, out->gpa,
      (u32)(out->size >> 10), out->doorbell_port);
}

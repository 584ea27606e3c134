/* SPDX-License-Identifier: MIT */
/* fw_cfg through ports 0x510/0x511 (guest/fw_cfg.h, QEMU
 * docs/specs/fw_cfg.rst, "Traditional I/O interface" and "FW_CFG_FILE_DIR"). */
#include <guest/fw_cfg.h>
#include <guest/io.h>

enum { PORT_SELECTOR = 0x510, PORT_DATA = 0x511 };

void fw_cfg_select(u16 key) { outw(PORT_SELECTOR, key); }

void fw_cfg_read(void* out, u32 n) {
  u8* p = out;
  for (u32 i = 0; i < n; ++i) p[i] = inb(PORT_DATA);
}

u32 fw_cfg_read_be32(void) {
  u8 b[4];
  fw_cfg_read(b, 4);
  return (u32)b[0] << 24 | (u32)b[1] << 16 | (u32)b[2] << 8 | b[3];
}

u16 fw_cfg_read_be16(void) {
  u8 b[2];
  fw_cfg_read(b, 2);
  return (u16)(b[0] << 8 | b[1]);
}

u32 fw_cfg_dir_open(void) {
  fw_cfg_select(FW_CFG_FILE_DIR);
  return fw_cfg_read_be32();
}

void fw_cfg_dir_next(struct fw_cfg_file* out) {
  out->size = fw_cfg_read_be32();
  out->select = fw_cfg_read_be16();
  (void)fw_cfg_read_be16();
  fw_cfg_read(out->name, FW_CFG_FILE_NAME);
  out->name[FW_CFG_FILE_NAME] = 0;
}

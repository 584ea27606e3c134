/* SPDX-License-Identifier: MIT */
/* guest/fw_cfg.h: QEMU's firmware configuration device through its
 * traditional I/O interface (QEMU docs/specs/fw_cfg.rst), which nucleo's
 * virtual PC also offers: a 16-bit selector at 0x510, an 8-bit data port at
 * 0x511 that reads the selected item byte by byte. Items are little-endian,
 * except the file directory, which is big-endian. */
#ifndef GUEST_FW_CFG_H
#define GUEST_FW_CFG_H

#include <guest/types.h>

enum {
  FW_CFG_SIGNATURE = 0x00, /* "QEMU" */
  FW_CFG_ID = 0x01,
  FW_CFG_RAM_SIZE = 0x03,
  FW_CFG_NB_CPUS = 0x05,
  FW_CFG_FILE_DIR = 0x19,
  FW_CFG_FILE_NAME = 56, /* bytes of a directory entry's name, NUL-padded */
};

void fw_cfg_select(u16 key);
/* The next n bytes of the selected item. */
void fw_cfg_read(void* out, u32 n);
u32 fw_cfg_read_be32(void);
u16 fw_cfg_read_be16(void);

/* The file directory: fw_cfg_dir_open selects it and returns the count;
 * each fw_cfg_dir_next reads the next 64-byte entry {be32 size, be16
 * select, u16 reserved, name[56]}. */
struct fw_cfg_file {
  u32 size;
  u16 select;
  char name[FW_CFG_FILE_NAME + 1]; /* always NUL-terminated */
};
u32 fw_cfg_dir_open(void);
void fw_cfg_dir_next(struct fw_cfg_file* out);

#endif

/* SPDX-License-Identifier: MIT */
/* QEMU's firmware configuration device through its traditional I/O
 * interface (QEMU docs/specs/fw_cfg.rst): a 16-bit selector at 0x510, an
 * 8-bit data port at 0x511 that reads the selected item byte by byte.
 * Checked: the signature "QEMU", the CPU count, the RAM size (against the
 * Multiboot memory map) and the file directory, which is listed. */
#include "pc.h"

enum { FW_CFG_SELECTOR = 0x510, FW_CFG_DATA = 0x511 };
enum { KEY_SIGNATURE = 0x00, KEY_ID = 0x01, KEY_RAM_SIZE = 0x03, KEY_NB_CPUS = 0x05, KEY_FILE_DIR = 0x19 };
enum { MAX_FILES_LISTED = 40, FILE_NAME = 56 };

static void select_item(u16 key) { outw(FW_CFG_SELECTOR, key); }
static void read_bytes(void* out, u32 n) {
  u8* p = out;
  for (u32 i = 0; i < n; ++i) p[i] = inb(FW_CFG_DATA);
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

/* The directory is big-endian (fw_cfg.rst, "FW_CFG_FILE_DIR"): a count,
 * then 64-byte entries {size, select, reserved, name[56]}. */
static u32 list_files(void) {
  select_item(KEY_FILE_DIR);
  u32 count = read_be32();
  for (u32 i = 0; i < count && i < MAX_FILES_LISTED; ++i) {
    u32 size = read_be32();
    u16 select = read_be16();
    (void)read_be16();
    char name[FILE_NAME + 1];
    read_bytes(name, FILE_NAME);
    name[FILE_NAME] = 0;
    for (u32 j = 0; name[j]; ++j)
      if (name[j] < 0x20 || name[j] >= 0x7f) name[j] = '?';
    say("pc_smp:   fw_cfg file %x %u bytes %s", select, size, name);
  }
  return count;
}

void check_fw_cfg(void) {
  char sig[5] = {0};
  select_item(KEY_SIGNATURE);
  read_bytes(sig, 4);
  if (!mem_eq(sig, "QEMU", 4)) {
    check_fail(CHECK_FW_CFG, "signature is not \"QEMU\" (%x %x %x %x)", (u8)sig[0], (u8)sig[1], (u8)sig[2],
               (u8)sig[3]);
    return;
  }
  u32 id = 0;
  select_item(KEY_ID);
  read_bytes(&id, 4);
  u16 cpus = 0;
  select_item(KEY_NB_CPUS);
  read_bytes(&cpus, 2);
  u64 ram = 0;
  select_item(KEY_RAM_SIZE);
  read_bytes(&ram, 8);
  g_machine.fw_cpus = cpus;
  g_machine.fw_ram = ram;
  u32 files = list_files();
  if (cpus == 0 || cpus > MAX_CPUS) {
    check_fail(CHECK_FW_CFG, "NB_CPUS is %u (this guest handles 1-%u)", cpus, MAX_CPUS);
    return;
  }
  /* The map leaves out the holes the firmware keeps (below 1 MiB, ACPI
   * tables at the top of RAM): allow an eighth or 4 MiB, whichever is more. */
  u64 slack = ram >> 3 > (4u << 20) ? ram >> 3 : (4u << 20);
  u64 have = g_machine.mb_available;
  if (have > ram || have + slack < ram) {
    check_fail(CHECK_FW_CFG, "RAM_SIZE %U KiB disagrees with the Multiboot map's %U KiB available", ram >> 10,
               have >> 10);
    return;
  }
  if (files == 0) {
    check_fail(CHECK_FW_CFG, "the file directory is empty");
    return;
  }
  check_ok(CHECK_FW_CFG, "signature QEMU, id %x, %u CPUs, %U MiB RAM (map: %U KiB available), %u files", id, cpus,
           ram >> 20, have >> 10, files);
}

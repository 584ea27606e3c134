/* SPDX-License-Identifier: MIT */
/* QEMU's firmware configuration device (guest/fw_cfg.h). Checked: the
 * signature "QEMU", the CPU count, the RAM size (against the Multiboot
 * memory map) and the file directory, which is listed. */
#include <guest/fw_cfg.h>

#include "pc.h"

enum { MAX_FILES_LISTED = 40 };

/* The directory (fw_cfg.rst, "FW_CFG_FILE_DIR"), listed. */
static u32 list_files(void) {
  const u32 count = fw_cfg_dir_open();
  for (u32 i = 0; i < count && i < MAX_FILES_LISTED; ++i) {
    struct fw_cfg_file f;
    fw_cfg_dir_next(&f);
    say("  fw_cfg file %x %u bytes %s", f.select, f.size, f.name);
  }
  return count;
}

void check_fw_cfg(void) {
  char sig[5] = {0};
  fw_cfg_select(FW_CFG_SIGNATURE);
  fw_cfg_read(sig, 4);
  if (!mem_eq(sig, "QEMU", 4)) {
    check_fail(CHECK_FW_CFG, "signature is not \"QEMU\" (%x %x %x %x)", (u8)sig[0], (u8)sig[1], (u8)sig[2],
               (u8)sig[3]);
    return;
  }
  u32 id = 0;
  fw_cfg_select(FW_CFG_ID);
  fw_cfg_read(&id, 4);
  u16 cpus = 0;
  fw_cfg_select(FW_CFG_NB_CPUS);
  fw_cfg_read(&cpus, 2);
  u64 ram = 0;
  fw_cfg_select(FW_CFG_RAM_SIZE);
  fw_cfg_read(&ram, 8);
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

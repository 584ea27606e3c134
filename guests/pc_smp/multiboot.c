/* SPDX-License-Identifier: MIT */
/* The Multiboot1 information (Multiboot 0.6.96 spec, 3.3): magic in EAX,
 * a memory map (flags bit 6) with at least one available region above
 * 1 MiB, and the command line (bit 2), which is echoed. QEMU's -kernel puts
 * the kernel's file name before the -append text. */
#include "pc.h"

enum { MB_MAGIC = 0x2BADB002, MB_MEM = 1u << 0, MB_CMDLINE = 1u << 2, MB_MMAP = 1u << 6, MB_LOADER = 1u << 9 };
enum { MAX_MAP_ENTRIES = 128, MAX_TEXT = 160, MMAP_AVAILABLE = 1 };

struct mb_info {
  u32 flags, mem_lower, mem_upper, boot_device, cmdline, mods_count, mods_addr;
  u32 syms[4];
  u32 mmap_length, mmap_addr, drives_length, drives_addr, config_table, boot_loader_name;
};

struct __attribute__((packed)) mb_mmap_entry {
  u32 size; /* of the rest of the entry */
  u64 base, length;
  u32 type;
};

/* A printable, bounded copy of a C string from the loader. */
static void copy_text(char* out, u32 addr) {
  const char* s = (const char*)addr;
  u32 n = 0;
  for (; s[n] && n + 1 < MAX_TEXT; ++n) out[n] = (s[n] >= 0x20 && s[n] < 0x7f) ? s[n] : '?';
  out[n] = 0;
}

void check_multiboot(u32 magic, u32 mbi) {
  if (magic != MB_MAGIC) {
    check_fail(CHECK_MULTIBOOT, "magic %x in EAX, expected %x", magic, MB_MAGIC);
    return;
  }
  if (mbi == 0) {
    check_fail(CHECK_MULTIBOOT, "no information structure (EBX = 0)");
    return;
  }
  const struct mb_info* info = (const struct mb_info*)mbi;
  char text[MAX_TEXT];
  if (info->flags & MB_CMDLINE) {
    copy_text(text, info->cmdline);
    say("cmdline \"%s\"", text);
  }
  if (!(info->flags & MB_MMAP) || info->mmap_length == 0) {
    check_fail(CHECK_MULTIBOOT, "no memory map (flags %x)", info->flags);
    return;
  }
  u64 available = 0, above_1m = 0;
  u32 entries = 0;
  for (u32 off = 0; off + 4 <= info->mmap_length; ++entries) {
    const struct mb_mmap_entry* e = (const struct mb_mmap_entry*)(info->mmap_addr + off);
    if (entries == MAX_MAP_ENTRIES || e->size < 20 || off + 4 + e->size > info->mmap_length) {
      check_fail(CHECK_MULTIBOOT, "memory map entry %u is malformed (size %u)", entries, e->size);
      return;
    }
    if (e->type == MMAP_AVAILABLE) {
      available += e->length;
      if (e->base >= 0x100000) above_1m += e->length;
    }
    off += 4 + e->size;
  }
  g_machine.mb_available = available;
  if (above_1m == 0) {
    check_fail(CHECK_MULTIBOOT, "no available memory above 1 MiB in %u map entries", entries);
    return;
  }
  /* mem_upper is the RAM from 1 MiB up to the first hole (spec 3.3). */
  if ((info->flags & MB_MEM) && (u64)info->mem_upper * 1024 > above_1m) {
    check_fail(CHECK_MULTIBOOT, "mem_upper %u KiB exceeds the %U KiB the map has above 1 MiB", info->mem_upper,
               above_1m >> 10);
    return;
  }
  if (info->flags & MB_LOADER)
    copy_text(text, info->boot_loader_name);
  else
    text[0] = 0;
  check_ok(CHECK_MULTIBOOT, "magic %x, loader \"%s\", %u map entries, %U KiB available, mem_upper %u KiB", magic,
           text, entries, available >> 10, info->mem_upper);
}

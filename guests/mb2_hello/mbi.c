/* SPDX-License-Identifier: MIT */
/* The Multiboot2 boot information (Multiboot2 spec 1.0, 3.6): u32
 * total_size, u32 reserved, then 8-byte aligned tags {u32 type, u32 size}
 * up to the end tag (type 0, size 8). Each tag is bounds-checked before it
 * is read; a malformed structure is reported, never followed. */
#include "mb2.h"

enum { MB2_MAGIC = 0x36d76289, MAX_INFO = 1u << 20 };
enum { TAG_END = 0, TAG_CMDLINE = 1, TAG_LOADER = 2, TAG_MEMINFO = 4, TAG_MMAP = 6, TAG_ACPI_OLD = 14,
       TAG_ACPI_NEW = 15 };
enum { MMAP_AVAILABLE = 1 };

struct tag {
  u32 type, size;
};

static bool string_fits(const struct tag* t) {
  const char* s = (const char*)(t + 1);
  for (u32 i = 0; i + sizeof *t < t->size; ++i)
    if (s[i] == 0) return true;
  return false;
}

static u8 sum(const u8* p, u32 n) {
  u8 s = 0;
  for (u32 i = 0; i < n; ++i) s = (u8)(s + p[i]);
  return s;
}

/* The RSDP copy (ACPI 6.5, 5.2.5.3): signature, revision, checksums. */
static void show_rsdp(const struct tag* t) {
  const u8* r = (const u8*)(t + 1);
  u32 len = t->size - sizeof *t;
  if (len < 20 || sum(r, 20) != 0 || r[0] != 'R' || r[1] != 'S' || r[2] != 'D' || r[7] != ' ') {
    say("acpi: FAIL the RSDP in tag %u is not a valid RSDP", t->type);
    return;
  }
  /* Tag 14 holds the ACPI 1.0 part (20 bytes) even of a revision 2 RSDP
   * (GRUB on UEFI does that): only tag 15 carries the extended part. */
  bool ext_ok = r[15] < 2 || t->type == 14 || (len >= 36 && sum(r, 36) == 0);
  char oem[7];
  for (u32 i = 0; i < 6; ++i) oem[i] = (char)r[9 + i];
  oem[6] = 0;
  say("acpi: RSDP revision %u (tag %u), OEM \"%s\", checksum ok%s", r[15], t->type, oem,
      ext_ok ? "" : ", extended checksum BAD");
}

u32 check_boot_info(u32 magic, u32 addr, struct boot_info* out) {
  out->cmdline = 0;
  out->has_mmap = false;
  if (magic != MB2_MAGIC) {
    say("magic: FAIL EAX is %x, expected %x", magic, MB2_MAGIC);
    return EXIT_BAD_MAGIC;
  }
  u32 total = addr ? *(const u32*)addr : 0;
  if (addr == 0 || (addr & 7) || total < 16 || total > MAX_INFO || addr + total < addr) {
    say("info: FAIL at %x, total size %u", addr, total);
    return EXIT_BAD_INFO;
  }
  say("magic: ok %x, information at %x, %u bytes", magic, addr, total);
  u32 avail_kib = 0, entries = 0;
  bool acpi = false;
  for (u32 off = 8;; off = (off + ((const struct tag*)(addr + off))->size + 7) & ~7u) {
    const struct tag* t = (const struct tag*)(addr + off);
    if (off + sizeof *t > total || t->size < sizeof *t || off + t->size > total) {
      say("info: FAIL tag at offset %u runs past the end (%u bytes)", off, total);
      return EXIT_BAD_INFO;
    }
    if (t->type == TAG_END) break;
    switch (t->type) {
      case TAG_CMDLINE:
      case TAG_LOADER:
        if (!string_fits(t)) {
          say("info: FAIL tag %u's string is not terminated inside the tag", t->type);
          return EXIT_BAD_INFO;
        }
        if (t->type == TAG_CMDLINE) {
          out->cmdline = (const char*)(t + 1);
          say("cmdline: \"%s\"", out->cmdline);
        } else {
          say("loader: \"%s\"", (const char*)(t + 1));
        }
        break;
      case TAG_MEMINFO:
        if (t->size >= 16) say("meminfo: lower %u KiB, upper %u KiB", ((const u32*)(t + 1))[0], ((const u32*)(t + 1))[1]);
        break;
      case TAG_MMAP: {
        const u32* h = (const u32*)(t + 1); /* entry_size, entry_version */
        if (t->size < 16 || h[0] < 24 || (h[0] & 7)) {
          say("info: FAIL memory map tag with entry size %u", t->size < 16 ? 0 : h[0]);
          return EXIT_BAD_INFO;
        }
        for (u32 e = 16; e + h[0] <= t->size; e += h[0], ++entries) {
          const u8* entry = (const u8*)t + e;
          u64 len = *(const u64*)(entry + 8);
          if (*(const u32*)(entry + 16) == MMAP_AVAILABLE) avail_kib += (u32)(len >> 10);
        }
        out->has_mmap = entries > 0;
        say("memory map: %u entries, %u KiB available", entries, avail_kib);
        break;
      }
      case TAG_ACPI_OLD:
      case TAG_ACPI_NEW:
        acpi = true;
        show_rsdp(t);
        break;
      default: break;
    }
  }
  if (!acpi) say("acpi: no RSDP tag");
  if (!out->cmdline || !out->has_mmap) {
    say("info: FAIL no %s tag", out->cmdline ? "memory map" : "command line");
    return EXIT_MISSING_TAG;
  }
  return 0;
}

/* SPDX-License-Identifier: MIT */
/* The two things hostile needs from the Multiboot2 boot information
 * (Multiboot2 spec 1.0, 3.6): the command line (tag 1), which carries
 * nucleo.boot=N, and the memory map (tag 6, 3.6.8), whose highest available
 * region ends where the VM's RAM ends. Every tag is bounds-checked before it
 * is read. */
#include "hostile.h"

enum { MB2_MAGIC = 0x36d76289, MAX_INFO = 1u << 20, TAG_END = 0, TAG_CMDLINE = 1, TAG_MMAP = 6,
       MMAP_AVAILABLE = 1 };

struct tag {
  u32 type, size;
};

bool read_boot_info(u32 magic, u32 addr, struct boot_info* out) {
  out->cmdline = "";
  out->ram_end = 0;
  if (magic != MB2_MAGIC) {
    say("FAIL EAX is %x, not the Multiboot2 magic", magic);
    return false;
  }
  const u32 total = addr && !(addr & 7) ? *(const u32*)addr : 0;
  if (total < 16 || total > MAX_INFO || addr + total < addr) {
    say("FAIL boot information at %x, %u bytes", addr, total);
    return false;
  }
  for (u32 off = 8;;) {
    const struct tag* t = (const struct tag*)(addr + off);
    if (off + sizeof *t > total || t->size < sizeof *t || t->size > total - off) {
      say("FAIL boot information tag at offset %u runs past the end", off);
      return false;
    }
    if (t->type == TAG_END) break;
    if (t->type == TAG_CMDLINE) {
      const char* s = (const char*)(t + 1);
      for (u32 i = 0; i + sizeof *t < t->size; ++i)
        if (s[i] == 0) {
          out->cmdline = s;
          break;
        }
    } else if (t->type == TAG_MMAP && t->size >= 16) {
      const u32 entry_size = ((const u32*)(t + 1))[0];
      for (u32 e = 16; entry_size >= 24 && e + entry_size <= t->size; e += entry_size) {
        const u8* entry = (const u8*)t + e;
        const u64 base = *(const u64*)entry, end = base + *(const u64*)(entry + 8);
        if (*(const u32*)(entry + 16) == MMAP_AVAILABLE && end < 0x100000000ull && end > out->ram_end)
          out->ram_end = (u32)end;
      }
    }
    off = (off + t->size + 7) & ~7u;
  }
  return true;
}

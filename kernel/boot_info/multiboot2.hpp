// SPDX-License-Identifier: MIT
// Multiboot2 boot information (Multiboot2 specification 1.0, section 3.6),
// parsed as untrusted input: every tag is bounds-checked against the blob and
// the total size it declares. Pure code; host-tested and fuzzed.
#pragma once

#include "kernel/lib/result.hpp"
#include "kernel/lib/span.hpp"
#include "kernel/lib/str.hpp"

namespace nucleo::mb2 {

constexpr u32 kBootloaderMagic = 0x36d76289;  // in EAX at entry (spec 3.3)

enum class TagType : u32 {
  end = 0,
  cmdline = 1,
  boot_loader_name = 2,
  module = 3,
  basic_meminfo = 4,
  bootdev = 5,
  mmap = 6,
  vbe = 7,
  framebuffer = 8,
  elf_sections = 9,
  apm = 10,
  efi32_system_table = 11,
  efi64_system_table = 12,
  smbios = 13,
  acpi_old_rsdp = 14,
  acpi_new_rsdp = 15,
  network = 16,
  efi_mmap = 17,
  efi_boot_services = 18,
  efi32_image_handle = 19,
  efi64_image_handle = 20,
  load_base_addr = 21,
};

// Memory map entry types (spec 3.6.8).
enum class MemoryType : u32 {
  available = 1,
  reserved = 2,
  acpi_reclaimable = 3,
  acpi_nvs = 4,
  bad = 5,
};

struct MemoryRegion {
  u64 base = 0;
  u64 length = 0;
  u32 type = 0;  // raw; unknown values are kept and treated as reserved
  constexpr u64 end() const { return base + length; }
  constexpr bool is(MemoryType t) const { return type == static_cast<u32>(t); }
};

struct Module {
  u32 start = 0;
  u32 end = 0;  // exclusive
  Str cmdline;
};

// Framebuffer types (spec 3.6.12).
enum class FramebufferType : u8 { indexed = 0, rgb = 1, ega_text = 2 };

// Where each colour sits in an RGB pixel: bit position of its least
// significant bit and its width in bits (spec 3.6.12, color_info for type 1).
struct ColourField {
  u8 position = 0;
  u8 size = 0;
};

struct Framebuffer {
  u64 address = 0;
  u32 pitch = 0;
  u32 width = 0;   // pixels, or characters for ega_text
  u32 height = 0;
  u8 bpp = 0;
  u8 type = 0;
  bool has_rgb_fields = false;  // type rgb and the tag carries color_info
  ColourField red, green, blue;
};

struct BootInfo {
  static constexpr usize kMaxRegions = 128;
  static constexpr usize kMaxModules = 32;

  u32 total_size = 0;
  Str cmdline;
  Str boot_loader_name;

  MemoryRegion regions[kMaxRegions];
  usize region_count = 0;
  usize regions_dropped = 0;  // entries beyond kMaxRegions (reported, not fatal)

  Module modules[kMaxModules];
  usize module_count = 0;
  usize modules_dropped = 0;

  bool has_basic_meminfo = false;
  u32 mem_lower_kib = 0;
  u32 mem_upper_kib = 0;

  Bytes acpi_rsdp_v1;  // copy of the RSDP made by the loader (tag 14)
  Bytes acpi_rsdp_v2;  // ACPI 2.0+ RSDP (tag 15)

  bool has_framebuffer = false;
  Framebuffer framebuffer;

  // UEFI: kept for the UEFI boot path.
  Bytes efi_mmap;
  u32 efi_descriptor_size = 0;
  u32 efi_descriptor_version = 0;
  u64 efi64_system_table = 0;
  u32 efi32_system_table = 0;
  bool efi_boot_services_active = false;

  bool has_load_base = false;
  u32 load_base = 0;

  usize unknown_tags = 0;

  bool booted_by_efi() const { return efi64_system_table != 0 || efi32_system_table != 0; }
};

// blob: the bytes at the info address (at least as many as its total_size
// field declares; more is fine). phys_addr: where the loader put it (must be
// 8-byte aligned, spec 3.6.1). On error, out holds what was parsed so far.
Error parse(Bytes blob, u64 phys_addr, BootInfo& out);

const char* memory_type_name(u32 type);

}  // namespace nucleo::mb2

// SPDX-License-Identifier: MIT
#include "kernel/boot_info/multiboot2.hpp"

namespace nucleo::mb2 {

namespace {

constexpr usize kTagHeader = 8;  // u32 type, u32 size

struct Tag {
  u32 type;
  Bytes body;  // after the 8-byte header, size - 8 bytes
  usize offset;
};

Str tag_string(Bytes body, usize skip) {
  Bytes s = body.subspan(skip);
  return Str::bounded(reinterpret_cast<const char*>(s.data()), s.size());
}

Error parse_mmap(const Tag& tag, BootInfo& out) {
  // entry_size u32, entry_version u32, then entries (spec 3.6.8).
  if (tag.body.size() < 8) return make_error(Status::truncated, "memory map tag shorter than its header", tag.offset);
  const u32 entry_size = load_le32(tag.body.data());
  if (entry_size < 24 || entry_size % 8 != 0)
    return make_error(Status::malformed, "memory map entry size is not a multiple of 8 of at least 24", tag.offset);
  Bytes entries = tag.body.subspan(8);
  for (usize off = 0; off + entry_size <= entries.size(); off += entry_size) {
    if (out.region_count == BootInfo::kMaxRegions) {
      ++out.regions_dropped;
      continue;
    }
    const u8* e = entries.data() + off;
    MemoryRegion r{load_le64(e), load_le64(e + 8), load_le32(e + 16)};
    if (r.length == 0) continue;
    if (r.base + r.length < r.base)
      return make_error(Status::malformed, "memory map region wraps around the address space", tag.offset + 16 + off);
    out.regions[out.region_count++] = r;
  }
  return {};
}

Error parse_framebuffer(const Tag& tag, BootInfo& out) {
  // addr u64, pitch u32, width u32, height u32, bpp u8, type u8 (spec 3.6.12).
  if (tag.body.size() < 22) return make_error(Status::truncated, "framebuffer tag too short", tag.offset);
  const u8* b = tag.body.data();
  Framebuffer fb;
  fb.address = load_le64(b);
  fb.pitch = load_le32(b + 8);
  fb.width = load_le32(b + 12);
  fb.height = load_le32(b + 16);
  fb.bpp = b[20];
  fb.type = b[21];
  // color_info follows a 2-byte reserved field (GRUB's multiboot2.h); for
  // RGB it is 6 bytes: red, green, blue, each position then mask size.
  if (fb.type == static_cast<u8>(FramebufferType::rgb) && tag.body.size() >= 30) {
    fb.has_rgb_fields = true;
    fb.red = ColourField{b[24], b[25]};
    fb.green = ColourField{b[26], b[27]};
    fb.blue = ColourField{b[28], b[29]};
  }
  out.framebuffer = fb;
  out.has_framebuffer = true;
  return {};
}

Error parse_tag(const Tag& tag, BootInfo& out) {
  const Bytes& b = tag.body;
  switch (static_cast<TagType>(tag.type)) {
    case TagType::cmdline:
      out.cmdline = tag_string(b, 0);
      return {};
    case TagType::boot_loader_name:
      out.boot_loader_name = tag_string(b, 0);
      return {};
    case TagType::module:
      if (b.size() < 8) return make_error(Status::truncated, "module tag too short", tag.offset);
      if (out.module_count == BootInfo::kMaxModules) {
        ++out.modules_dropped;
        return {};
      }
      if (load_le32(b.data() + 4) < load_le32(b.data()))
        return make_error(Status::malformed, "module ends before it starts", tag.offset);
      out.modules[out.module_count++] = Module{load_le32(b.data()), load_le32(b.data() + 4), tag_string(b, 8)};
      return {};
    case TagType::basic_meminfo:
      if (b.size() < 8) return make_error(Status::truncated, "basic memory info tag too short", tag.offset);
      out.has_basic_meminfo = true;
      out.mem_lower_kib = load_le32(b.data());
      out.mem_upper_kib = load_le32(b.data() + 4);
      return {};
    case TagType::mmap:
      return parse_mmap(tag, out);
    case TagType::framebuffer:
      return parse_framebuffer(tag, out);
    case TagType::acpi_old_rsdp:
      if (b.size() < 20) return make_error(Status::truncated, "ACPI 1.0 RSDP tag shorter than an RSDP", tag.offset);
      out.acpi_rsdp_v1 = b;
      return {};
    case TagType::acpi_new_rsdp:
      if (b.size() < 36) return make_error(Status::truncated, "ACPI 2.0 RSDP tag shorter than an XSDP", tag.offset);
      out.acpi_rsdp_v2 = b;
      return {};
    case TagType::efi32_system_table:
      if (b.size() < 4) return make_error(Status::truncated, "EFI32 system table tag too short", tag.offset);
      out.efi32_system_table = load_le32(b.data());
      return {};
    case TagType::efi64_system_table:
      if (b.size() < 8) return make_error(Status::truncated, "EFI64 system table tag too short", tag.offset);
      out.efi64_system_table = load_le64(b.data());
      return {};
    case TagType::efi_mmap:
      if (b.size() < 8) return make_error(Status::truncated, "EFI memory map tag too short", tag.offset);
      out.efi_descriptor_size = load_le32(b.data());
      out.efi_descriptor_version = load_le32(b.data() + 4);
      out.efi_mmap = b.subspan(8);
      return {};
    case TagType::efi_boot_services:
      out.efi_boot_services_active = true;
      return {};
    case TagType::load_base_addr:
      if (b.size() < 4) return make_error(Status::truncated, "load base address tag too short", tag.offset);
      out.has_load_base = true;
      out.load_base = load_le32(b.data());
      return {};
    case TagType::bootdev:
    case TagType::vbe:
    case TagType::elf_sections:
    case TagType::apm:
    case TagType::smbios:
    case TagType::network:
    case TagType::efi32_image_handle:
    case TagType::efi64_image_handle:
      return {};  // known, not needed
    case TagType::end:
      break;
  }
  ++out.unknown_tags;  // future tags are skipped, as the spec asks
  return {};
}

}  // namespace

Error parse(Bytes blob, u64 phys_addr, BootInfo& out) {
  out = BootInfo{};
  if (phys_addr % 8 != 0) return make_error(Status::malformed, "boot information is not 8-byte aligned", 0);
  if (blob.size() < 8) return make_error(Status::truncated, "boot information shorter than its 8-byte header", 0);
  const u32 total = load_le32(blob.data());
  if (total < 16) return make_error(Status::malformed, "boot information total_size too small to hold an end tag", 0);
  if (total > blob.size()) return make_error(Status::truncated, "boot information total_size exceeds the available bytes", 0);
  out.total_size = total;
  const Bytes info = blob.subspan(0, total);

  usize off = 8;
  while (true) {
    if (!info.contains_range(off, kTagHeader))
      return make_error(Status::truncated, "boot information ends without an end tag", min<u64>(off, total));
    const u32 type = load_le32(info.data() + off);
    const u32 size = load_le32(info.data() + off + 4);
    if (size < kTagHeader) return make_error(Status::malformed, "tag size smaller than its header", off);
    if (!info.contains_range(off, size)) return make_error(Status::truncated, "tag extends past total_size", off);
    if (type == static_cast<u32>(TagType::end)) {
      if (size != 8) return make_error(Status::malformed, "end tag size is not 8", off);
      return {};
    }
    const Error e = parse_tag(Tag{type, info.subspan(off + kTagHeader, size - kTagHeader), off}, out);
    if (!e.ok()) return e;
    off += align_up(size, 8);  // tags start 8-byte aligned (spec 3.6.1)
  }
}

const char* memory_type_name(u32 type) {
  switch (static_cast<MemoryType>(type)) {
    case MemoryType::available: return "available";
    case MemoryType::reserved: return "reserved";
    case MemoryType::acpi_reclaimable: return "ACPI reclaimable";
    case MemoryType::acpi_nvs: return "ACPI NVS";
    case MemoryType::bad: return "bad";
  }
  return "unknown";
}

}  // namespace nucleo::mb2

// SPDX-License-Identifier: MIT
#include "kernel/virt/loader/multiboot2_loader.hpp"

#include "kernel/boot_info/multiboot2.hpp"
#include "kernel/virt/loader/boot_info_area.hpp"
#include "kernel/virt/loader/header_search.hpp"
#include "kernel/virt/loader/load_plan.hpp"
#include "kernel/virt/loader/module_placement.hpp"

namespace nucleo::loader {

namespace {

using namespace mb2h;
using mb2::TagType;

constexpr HeaderSpec kHeaderSpec{
    kHeaderMagic, 4, kSearchLimit, 8, "header lies beyond the first 32768 bytes", "header is not 8-byte aligned"};
constexpr usize kFixedHeader = 16;         // magic, architecture, header_length, checksum
constexpr usize kMaxRsdp = 256;            // ACPI RSDPs are 20 (revision 0) or 36 bytes; room for growth
constexpr u32 kConsoleRequired = 1u << 0;  // console_flags bit 0 (3.1.9)

// What the header tags asked for.
struct HeaderRequests {
  bool has_address = false;
  AddressFields address;
  bool has_entry = false;
  u32 entry = 0;
};

// A valid RSDP copied out of guest RAM (ACPI 6.5 5.2.5.3).
struct Rsdp {
  u8 bytes[kMaxRsdp] = {};
  usize length = 0;  // 0: none given
  bool extended() const { return length >= 36; }
};

u8 byte_sum(const u8* p, usize n) {
  u8 s = 0;
  for (usize i = 0; i < n; ++i) s = static_cast<u8>(s + p[i]);
  return s;
}

Error read_rsdp(const Vm& vm, u64 gpa, Rsdp& out, LoadDiagnostic& diag) {
  if (gpa == 0) return {};
  diag.has_range = true;
  diag.range = {gpa, gpa + 20};
  const Span<u8> v1 = vm.guest_ram(gpa, 20);
  const char* signature = "RSD PTR ";
  bool valid = v1.size() == 20 && byte_sum(v1.data(), 20) == 0;
  for (usize i = 0; valid && i < 8; ++i) valid = v1[i] == static_cast<u8>(signature[i]);
  if (!valid) return make_error(Status::malformed, "no valid RSDP at the given address");
  usize length = 20;
  if (v1[15] >= 2) {  // revision 2+: the extended structure, its length at offset 20
    const Span<u8> head = vm.guest_ram(gpa, 24);
    length = head.size() == 24 ? load_le32(head.data() + 20) : 0;
    diag.range = {gpa, gpa + length};
    const Span<u8> all = vm.guest_ram(gpa, length);
    if (length < 36 || length > kMaxRsdp || all.size() != length || byte_sum(all.data(), length) != 0)
      return make_error(Status::malformed, "RSDP at the given address has a bad extended length or checksum");
  }
  __builtin_memcpy(out.bytes, vm.guest_ram(gpa, length).data(), length);
  out.length = length;
  diag.has_range = false;
  return {};
}

bool can_provide(u32 type, const Rsdp& rsdp) {
  switch (static_cast<TagType>(type)) {
    case TagType::end:
    case TagType::cmdline:
    case TagType::boot_loader_name:
    case TagType::module:
    case TagType::basic_meminfo:
    case TagType::mmap:
      return true;
    case TagType::acpi_old_rsdp:
      return rsdp.length != 0;
    case TagType::acpi_new_rsdp:
      return rsdp.extended();
    default:
      return false;
  }
}

Error tag_error(LoadDiagnostic& diag, u32 index, Status s, const char* what, usize offset) {
  diag.item = "tag";
  diag.index = index;
  return make_error(s, what, offset);
}

// Header tags (3.1.3): u16 type, u16 flags, u32 size, 8-byte aligned, up
// to an end tag inside header_length.
Error parse_header_tags(Bytes header, usize base, const Rsdp& rsdp, HeaderRequests& req, LoadDiagnostic& diag) {
  usize off = kFixedHeader;
  for (u32 index = 0;; ++index) {
    if (!header.contains_range(off, 8))
      return tag_error(diag, index, Status::malformed, "header has no end tag within header_length", base + off);
    const u8* t = header.data() + off;
    const u16 type = load_le16(t);
    const bool optional = (load_le16(t + 2) & kTagOptional) != 0;
    const u32 size = load_le32(t + 4);
    if (size < 8 || !header.contains_range(off, size))
      return tag_error(diag, index, Status::malformed, "header tag size is below 8 or past header_length", base + off);
    const Bytes body = header.subspan(off + 8, size - 8);
    auto need = [&](usize n) { return body.size() >= n; };
    const char* too_short = "header tag is too short for its type";
    switch (static_cast<HeaderTag>(type)) {
      case HeaderTag::end:
        return {};
      case HeaderTag::information_request:
        for (usize i = 0; i + 4 <= body.size(); i += 4) {
          const u32 wanted = load_le32(body.data() + i);
          if (!optional && !can_provide(wanted, rsdp))
            return tag_error(diag, index, Status::unsupported,
                             "information request asks for a tag nucleo cannot provide", base + off + 8 + i);
        }
        break;
      case HeaderTag::address:
        if (!need(16)) return tag_error(diag, index, Status::malformed, too_short, base + off);
        req.has_address = true;
        req.address = {base, load_le32(body.data()), load_le32(body.data() + 4), load_le32(body.data() + 8),
                       load_le32(body.data() + 12)};
        break;
      case HeaderTag::entry_address:
        if (!need(4)) return tag_error(diag, index, Status::malformed, too_short, base + off);
        req.has_entry = true;
        req.entry = load_le32(body.data());
        break;
      case HeaderTag::console_flags:
        if (!need(4)) return tag_error(diag, index, Status::malformed, too_short, base + off);
        if (!optional && (load_le32(body.data()) & kConsoleRequired) != 0)
          return tag_error(diag, index, Status::unsupported, "header requires a console, and nucleo describes none",
                           base + off);
        break;
      case HeaderTag::framebuffer:       // a preference: no framebuffer is given
      case HeaderTag::module_alignment:  // modules are always page-aligned
      case HeaderTag::relocatable:       // loaded at the linked address, which a relocatable image allows
        break;
      case HeaderTag::efi_boot_services:
      case HeaderTag::entry_address_efi32:
      case HeaderTag::entry_address_efi64:
        if (!optional)
          return tag_error(diag, index, Status::unsupported, "header requires EFI, and the guest has none", base + off);
        break;
      default:
        if (!optional)
          return tag_error(diag, index, Status::unsupported, "header requires a tag type nucleo does not know",
                           base + off);
        break;
    }
    off += align_up(size, 8);
  }
}

Error plan_image(Bytes image, const HeaderRequests& req, LoadPlan& plan, LoadDiagnostic& diag) {
  if (req.has_address) {
    if (!req.has_entry) return make_error(Status::malformed, "address tag without an entry address tag");
    AddressFields f = req.address;
    if (f.load_addr == 0xFFFFFFFF) {  // -1: load from the start of the file (3.1.5)
      if (f.header_addr < f.header_offset)
        return make_error(Status::malformed, "header_addr is below the header's file offset");
      f.load_addr = static_cast<u32>(f.header_addr - f.header_offset);
    }
    NUCLEO_TRY(plan_raw(image, f, plan, diag));
    plan.entry = req.entry;
    return {};
  }
  if (!has_elf_magic(image))
    return make_error(Status::unsupported, "image is not ELF and its header has no address tag");
  ElfImage elf;  // ~800 bytes; no static: VMs may be loaded on several cores at once
  NUCLEO_TRY(parse_elf(image, elf, diag));
  NUCLEO_TRY(plan_elf(elf, plan, diag, !req.has_entry));
  if (req.has_entry) plan.entry = req.entry;
  return {};
}

// Appends one tag: u32 type, u32 size, then the body; GPA of the body.
u64 begin_tag(BootInfoArea& area, TagType type, u64 body_size) {
  const u64 tag = area.reserve(8 + body_size, 8);
  area.put32(tag, static_cast<u32>(type));
  area.put32(tag + 4, static_cast<u32>(8 + body_size));
  return tag + 8;
}

void put_string_tag(BootInfoArea& area, TagType type, Str a, Str b = Str()) {
  area.write_joined(begin_tag(area, type, BootInfoArea::joined_size(a, b)), a, b);
}

// The boot information (3.6): total_size, reserved, then 8-aligned tags.
u64 build_info(BootInfoArea& area, const LoadRequest& request, const GuestMemoryMap& map,
               const GuestRange (&modules)[kMaxModules], const Rsdp& rsdp) {
  const u64 mbi = area.reserve(8, 8);
  const u64 meminfo = begin_tag(area, TagType::basic_meminfo, 8);
  area.put32(meminfo, map.mem_lower_kib());
  area.put32(meminfo + 4, map.mem_upper_kib());
  put_string_tag(area, TagType::cmdline, request.cmdline);
  put_string_tag(area, TagType::boot_loader_name, "nucleo");
  for (usize i = 0; i < request.modules.size(); ++i) {
    const GuestModule& m = request.modules[i];
    const u64 body = begin_tag(area, TagType::module, 8 + BootInfoArea::joined_size(m.name, m.cmdline));
    area.put32(body, static_cast<u32>(modules[i].begin));  // mod_start, mod_end (exclusive), string (3.6.6)
    area.put32(body + 4, static_cast<u32>(modules[i].end));
    area.write_joined(body + 8, m.name, m.cmdline);
  }
  // entry_size 24, entry_version 0; entries base, length, type, reserved (3.6.8).
  const u64 mmap = begin_tag(area, TagType::mmap, 8 + 24 * map.size());
  area.put32(mmap, 24);
  for (usize i = 0; i < map.size(); ++i) {
    const u64 e = mmap + 8 + 24 * i;
    area.put64(e, map[i].base);
    area.put64(e + 8, map[i].length);
    area.put32(e + 16, static_cast<u32>(map[i].type));
  }
  if (rsdp.length != 0) {
    // The ACPI 1.0 view is the first 20 bytes of any RSDP; GRUB gives both.
    area.put_bytes(begin_tag(area, TagType::acpi_old_rsdp, 20), Bytes(rsdp.bytes, 20));
    if (rsdp.extended())
      area.put_bytes(begin_tag(area, TagType::acpi_new_rsdp, rsdp.length), Bytes(rsdp.bytes, rsdp.length));
  }
  begin_tag(area, TagType::end, 0);
  area.put32(mbi, static_cast<u32>(area.used_end() - mbi));
  return mbi;
}

Result<LoadedGuest> load(const Vm& vm, const LoadRequest& request, LoadDiagnostic& diag) {
  const Bytes image = request.image;
  const Result<usize> found = find_header(image, kHeaderSpec);
  if (!found) return found.error();
  const usize at = found.value();
  const u8* h = image.data() + at;
  if (load_le32(h + 4) != kArchitectureI386)
    return make_error(Status::unsupported, "header architecture is not i386 (0)", at + 4);
  const u32 header_length = load_le32(h + 8);
  if (header_length < kFixedHeader + 8)
    return make_error(Status::malformed, "header_length is too small for an end tag", at + 8);
  if (!image.contains_range(at, header_length))
    return make_error(Status::truncated, "image ends inside the header", at + 8);
  if (at + header_length > kSearchLimit)
    return make_error(Status::malformed, "header extends beyond the first 32768 bytes", at + 8);

  Rsdp rsdp;
  NUCLEO_TRY(read_rsdp(vm, request.rsdp_gpa, rsdp, diag));
  HeaderRequests req;
  NUCLEO_TRY(parse_header_tags(image.subspan(at, header_length), at, rsdp, req, diag));

  LoadPlan plan;
  NUCLEO_TRY(plan_image(image, req, plan, diag));
  const GuestMemoryMap map(vm.ram_size);
  NUCLEO_TRY(check_plan(plan, map, diag));

  LoadedGuest out;
  out.image = plan_extent(plan);
  NUCLEO_TRY(place_modules(request.modules, out.image.end, map, out.modules, diag));
  out.module_count = request.modules.size();

  BootInfoArea area(vm);
  const u64 mbi = build_info(area, request, map, out.modules, rsdp);
  if (!area.ok()) {
    diag.has_range = true;
    diag.range = {kBootInfoBase, kBootInfoEnd};
    return make_error(Status::out_of_memory, "boot information does not fit its area in guest RAM");
  }
  out.info = {mbi, area.used_end()};

  write_plan(plan, image, vm);
  write_modules(request.modules, out.modules, vm);
  out.entry = {static_cast<u32>(plan.entry), mb2::kBootloaderMagic, static_cast<u32>(mbi)};
  return out;
}

}  // namespace

Result<LoadedGuest> load_multiboot2(const Vm& vm, const LoadRequest& request, LoadDiagnostic* diag) {
  LoadDiagnostic local;
  local.loader = "multiboot2";
  const Result<LoadedGuest> r = load(vm, request, local);
  if (diag != nullptr) *diag = local;
  return r;
}

}  // namespace nucleo::loader

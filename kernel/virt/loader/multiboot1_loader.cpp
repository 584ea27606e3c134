// SPDX-License-Identifier: MIT
#include "kernel/virt/loader/multiboot1_loader.hpp"

#include "kernel/virt/loader/boot_info_area.hpp"
#include "kernel/virt/loader/header_search.hpp"
#include "kernel/virt/loader/load_plan.hpp"
#include "kernel/virt/loader/module_placement.hpp"

namespace nucleo::loader {

namespace {

using namespace mb1;

constexpr HeaderSpec kHeaderSpec{
    kHeaderMagic, 3, kSearchLimit, 4, "header lies beyond the first 8192 bytes", "header is not 4-byte aligned"};
constexpr u32 kKnownRequired = kFlagPageAlignModules | kFlagMemoryInfo | kFlagVideoMode;
constexpr usize kAddressFieldsEnd = 32;  // header_addr .. entry_addr at offsets 12-28

// MBI field offsets (3.3).
constexpr u64 kMemLower = 4, kMemUpper = 8, kCmdline = 16, kModsCount = 20, kModsAddr = 24;
constexpr u64 kMmapLength = 44, kMmapAddr = 48, kBootLoaderName = 64;

Error plan_image(Bytes image, usize header, u32 flags, LoadPlan& plan, LoadDiagnostic& diag) {
  if ((flags & kFlagAddressFields) != 0) {
    // The kludge wins even over an ELF file, as in GRUB.
    if (!image.contains_range(header, kAddressFieldsEnd))
      return make_error(Status::truncated, "image ends inside the header's address fields", header);
    const u8* h = image.data() + header;
    AddressFields f{header, load_le32(h + 12), load_le32(h + 16), load_le32(h + 20), load_le32(h + 24)};
    NUCLEO_TRY(plan_raw(image, f, plan, diag));
    plan.entry = load_le32(h + 28);
    return {};
  }
  if (!has_elf_magic(image))
    return make_error(Status::unsupported, "image is not ELF and its header has no address fields (flag 16)");
  ElfImage elf;  // ~800 bytes; no static: VMs may be loaded on several cores at once
  NUCLEO_TRY(parse_elf(image, elf, diag));
  if (elf.is_64) return make_error(Status::unsupported, "ELF64 images need the a.out kludge (flag 16) in Multiboot1");
  return plan_elf(elf, plan, diag);
}

// The MBI and what it points to, all in the boot information area.
u64 build_info(BootInfoArea& area, const LoadRequest& request, const GuestMemoryMap& map,
               const GuestRange (&modules)[kMaxModules]) {
  const u64 mbi = area.reserve(kInfoSize, 8);
  u32 flags = kInfoMemory | kInfoCmdline | kInfoMemoryMap | kInfoBootLoaderName;
  area.put32(mbi + kMemLower, map.mem_lower_kib());
  area.put32(mbi + kMemUpper, map.mem_upper_kib());
  area.put32(mbi + kCmdline, static_cast<u32>(area.put_string(request.cmdline)));

  if (!request.modules.empty()) {
    flags |= kInfoModules;
    const u64 list = area.reserve(16 * request.modules.size(), 8);
    for (usize i = 0; i < request.modules.size(); ++i) {
      const GuestModule& m = request.modules[i];
      const u64 entry = list + 16 * i;  // mod_start, mod_end (exclusive), string, reserved
      area.put32(entry, static_cast<u32>(modules[i].begin));
      area.put32(entry + 4, static_cast<u32>(modules[i].end));
      area.put32(entry + 8, static_cast<u32>(area.put_joined(m.name, m.cmdline)));
    }
    area.put32(mbi + kModsCount, static_cast<u32>(request.modules.size()));
    area.put32(mbi + kModsAddr, static_cast<u32>(list));
  }

  // Entries of size (20, not counting itself), base_addr, length, type.
  const u64 mmap = area.reserve(24 * map.size(), 8);
  for (usize i = 0; i < map.size(); ++i) {
    const u64 e = mmap + 24 * i;
    area.put32(e, 20);
    area.put64(e + 4, map[i].base);
    area.put64(e + 12, map[i].length);
    area.put32(e + 20, static_cast<u32>(map[i].type));
  }
  area.put32(mbi + kMmapLength, static_cast<u32>(24 * map.size()));
  area.put32(mbi + kMmapAddr, static_cast<u32>(mmap));
  area.put32(mbi + kBootLoaderName, static_cast<u32>(area.put_string("nucleo")));
  area.put32(mbi, flags);
  return mbi;
}

Result<LoadedGuest> load(const Vm& vm, const LoadRequest& request, LoadDiagnostic& diag) {
  const Bytes image = request.image;
  const Result<usize> found = find_header(image, kHeaderSpec);
  if (!found) return found.error();
  const usize header = found.value();
  const u32 flags = load_le32(image.data() + header + 4);
  if ((flags & 0xFFFF & ~kKnownRequired) != 0)
    return make_error(Status::unsupported, "header requires an unknown feature (flags bits 3-15)", header + 4);

  LoadPlan plan;
  NUCLEO_TRY(plan_image(image, header, flags, plan, diag));
  const GuestMemoryMap map(vm.ram_size);
  NUCLEO_TRY(check_plan(plan, map, diag));

  LoadedGuest out;
  out.image = plan_extent(plan);
  NUCLEO_TRY(place_modules(request.modules, out.image.end, map, out.modules, diag));
  out.module_count = request.modules.size();

  BootInfoArea area(vm);
  const u64 mbi = build_info(area, request, map, out.modules);
  if (!area.ok()) {
    diag.has_range = true;
    diag.range = {kBootInfoBase, kBootInfoEnd};
    return make_error(Status::out_of_memory, "boot information does not fit its area in guest RAM");
  }
  out.info = {mbi, mbi + kInfoSize};

  write_plan(plan, image, vm);
  write_modules(request.modules, out.modules, vm);
  out.entry = {static_cast<u32>(plan.entry), kBootloaderMagic, static_cast<u32>(mbi)};
  return out;
}

}  // namespace

Result<LoadedGuest> load_multiboot1(const Vm& vm, const LoadRequest& request, LoadDiagnostic* diag) {
  LoadDiagnostic local;
  local.loader = "multiboot1";
  const Result<LoadedGuest> r = load(vm, request, local);
  if (diag != nullptr) *diag = local;
  return r;
}

}  // namespace nucleo::loader

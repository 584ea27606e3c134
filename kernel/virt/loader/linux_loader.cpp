// SPDX-License-Identifier: MIT
#include "kernel/virt/loader/linux_loader.hpp"

#include "kernel/virt/loader/boot_info_area.hpp"
#include "kernel/virt/loader/guest_memory_map.hpp"
#include "kernel/virt/loader/module_placement.hpp"

namespace nucleo::loader {

namespace {

using namespace lbp;

// What load_linux needs from the setup header, read once and checked.
struct SetupHeader {
  u64 kernel_offset = 0;  // (setup_sects + 1) * 512: the protected-mode kernel in the file
  usize header_end = 0;   // 0x202 + the jump's displacement byte
  u16 version = 0;
  u32 initrd_addr_max = 0;
  u32 kernel_alignment = 0;
  bool relocatable = false;
  u32 cmdline_size = 0;
  u64 pref_address = 0;
  u64 init_size = 0;
};

// The setup header ends before boot_params' own fields resume (zero-page.rst:
// `hdr` at 0x1F1, then _pad7 up to 0x290).
constexpr usize kHeaderRoomEnd = 0x290;

Error refuse_at(Status s, const char* what, usize offset) { return make_error(s, what, offset); }

Result<SetupHeader> parse_header(Bytes image, LoadDiagnostic& diag) {
  const u8* p = image.data();
  if (image.size() < kHeaderMagicAt + 4)
    return refuse_at(Status::truncated, "image ends before the setup header", image.size());
  if (load_le16(p + kBootFlag) != kBootFlagValue)
    return refuse_at(Status::not_found, "boot_flag is not 0xAA55: not a Linux kernel image", kBootFlag);
  if (load_le32(p + kHeaderMagicAt) != kHeaderMagic)
    return refuse_at(Status::unsupported, "no \"HdrS\" setup header (boot protocol before 2.00)", kHeaderMagicAt);
  SetupHeader h;
  h.header_end = kHeaderMagicAt + p[kJump + 1];
  if (h.header_end > image.size())
    return refuse_at(Status::truncated, "image ends inside the setup header", image.size());
  h.version = load_le16(p + kVersion);
  if (h.version < kMinVersion || h.header_end < kHeaderEnd212) {
    diag.protocol = h.version;
    return refuse_at(Status::unsupported, "boot protocol older than 2.12 has no 64-bit entry", kVersion);
  }
  if (h.header_end > kHeaderRoomEnd)
    return refuse_at(Status::malformed, "setup header runs past 0x290 into the rest of boot_params", kJump + 1);
  if ((p[kLoadflags] & kLoadedHigh) == 0)
    return refuse_at(Status::unsupported, "zImage (loadflags bit 0 clear): only bzImages load", kLoadflags);
  if ((load_le16(p + kXloadflags) & kXlfKernel64) == 0)
    return refuse_at(Status::unsupported, "no 64-bit entry point (xloadflags bit 0, XLF_KERNEL_64, clear)",
                     kXloadflags);
  const u32 sects = p[kSetupSects] == 0 ? 4 : p[kSetupSects];
  h.kernel_offset = (u64{sects} + 1) * 512;
  if (h.kernel_offset >= image.size())
    return refuse_at(Status::truncated, "image ends before the protected-mode kernel", kSetupSects);
  h.initrd_addr_max = load_le32(p + kInitrdAddrMax);
  h.kernel_alignment = load_le32(p + kKernelAlignment);
  h.relocatable = p[kRelocatable] != 0;
  h.cmdline_size = load_le32(p + kCmdlineSize);
  h.pref_address = load_le64(p + kPrefAddress);
  h.init_size = load_le32(p + kInitSize);
  if (h.relocatable && (h.kernel_alignment < kPageSize || (h.kernel_alignment & (h.kernel_alignment - 1)) != 0))
    return refuse_at(Status::malformed, "kernel_alignment is not a power of two of at least 4 KiB", kKernelAlignment);
  if (h.init_size < image.size() - h.kernel_offset)
    return refuse_at(Status::malformed, "init_size is smaller than the protected-mode kernel", kInitSize);
  return h;
}

// pref_address when [pref, pref + init_size) is usable RAM; for a
// relocatable kernel otherwise the lowest kernel_alignment boundary above
// 1 MiB (boot.rst: a relocatable kernel may be loaded at any such address,
// the decompressor moves itself).
Result<u64> choose_load_address(const SetupHeader& h, const GuestMemoryMap& map, LoadDiagnostic& diag) {
  const auto fits = [&](u64 at) {
    return at >= kHighRamBase && at < 4 * GiB && h.init_size <= map.ram_size() &&
           at <= map.ram_size() - h.init_size && map.is_usable(at, at + h.init_size);
  };
  if (fits(h.pref_address) && (!h.relocatable || (h.pref_address & (h.kernel_alignment - 1)) == 0))
    return h.pref_address;
  if (h.relocatable) {
    const u64 low = align_up(kHighRamBase, u64{h.kernel_alignment});
    if (fits(low)) return low;
  }
  diag.has_range = true;
  diag.range = {h.pref_address, h.pref_address + h.init_size};
  return refuse_at(Status::out_of_memory, "kernel (init_size bytes from its load address) does not fit in guest RAM",
                   kInitSize);
}

// The modules form one initrd (boot.rst: initrds may be concatenated; each
// starts 4-byte aligned, as GRUB's `initrd a b` does), as high as allowed:
// below initrd_addr_max, the end of RAM and 4 GiB (ramdisk_image is 32
// bits), page-aligned, above the kernel's init_size.
Error place_initrd(Span<const GuestModule> modules, const SetupHeader& h, u64 kernel_end, const GuestMemoryMap& map,
                   GuestRange (&out)[kMaxModules], GuestRange& whole, LoadDiagnostic& diag) {
  if (modules.size() > kMaxModules) return make_error(Status::unsupported, "more than 8 modules");
  u64 total = 0;
  for (const GuestModule& m : modules) total = align_up(total, 4) + m.bytes.size();
  whole = {};
  if (modules.empty()) return {};
  const u64 top = min(min(map.ram_size(), u64{h.initrd_addr_max} + 1), 4 * GiB);
  if (total > top || align_down(top - total, kPageSize) < kernel_end) {
    diag.item = "module";
    diag.has_range = true;
    diag.range = {kernel_end, kernel_end + total};
    return make_error(Status::out_of_memory, "initrd does not fit between the kernel and initrd_addr_max/RAM end");
  }
  const u64 start = align_down(top - total, kPageSize);
  u64 cursor = start;
  for (usize i = 0; i < modules.size(); ++i) {
    cursor = align_up(cursor, 4);
    out[i] = {cursor, cursor + modules[i].bytes.size()};
    cursor = out[i].end;
  }
  whole = {start, cursor};
  return {};
}

// A flat GDT (boot.rst, 64-bit Boot Protocol): null, unused, __BOOT_CS
// 64-bit code, __BOOT_DS data, accessed bits preset so the CPU never
// writes them back (SDM Vol. 3A 3.4.5, 5.2.1).
constexpr u64 kGdt[] = {0, 0, 0x00AF9B000000FFFF, 0x00CF93000000FFFF};

// Identity map of guest RAM with 2 MiB pages (SDM Vol. 3A 4.5, Table 4-17):
// one PML4, one PDPT, one page directory per GiB.
u64 build_page_tables(BootInfoArea& area, u64 ram_size) {
  constexpr u64 kPresentWrite = 0x3, kLargePage = 0x80;
  const u64 gib = (align_up(ram_size, 2 * MiB) + GiB - 1) / GiB;
  const u64 pml4 = area.reserve(kPageSize, kPageSize);
  const u64 pdpt = area.reserve(kPageSize, kPageSize);
  area.put64(pml4, pdpt | kPresentWrite);
  for (u64 g = 0; g < gib; ++g) {
    const u64 pd = area.reserve(kPageSize, kPageSize);
    area.put64(pdpt + 8 * g, pd | kPresentWrite);
    for (u64 i = 0; i < 512 && g * GiB + i * 2 * MiB < ram_size; ++i)
      area.put64(pd + 8 * i, (g * GiB + i * 2 * MiB) | kPresentWrite | kLargePage);
  }
  return pml4;
}

void write_boot_params(BootInfoArea& area, u64 zp, Bytes image, const SetupHeader& h, const LoadRequest& request,
                       u64 cmdline, const GuestRange& initrd, const GuestMemoryMap& map) {
  // boot.rst: copy the setup header from the image, then fill in what a
  // boot loader owns.
  area.put_bytes(zp + kSetupSects, image.subspan(kSetupSects, h.header_end - kSetupSects));
  area.put8(zp + kTypeOfLoader, kLoaderUndefined);
  area.put32(zp + kCmdLinePtr, static_cast<u32>(cmdline));
  area.put32(zp + kRamdiskImage, static_cast<u32>(initrd.begin));
  area.put32(zp + kRamdiskSize, static_cast<u32>(initrd.end - initrd.begin));
  if (h.version >= kRsdpVersion) area.put64(zp + kAcpiRsdpAddr, request.rsdp_gpa);
  // The same map the Multiboot loaders give, with the E820 numbering.
  area.put8(zp + kE820Entries, static_cast<u8>(map.size()));
  for (usize i = 0; i < map.size(); ++i) {
    const u64 e = zp + kE820Table + 20 * i;
    area.put64(e, map[i].base);
    area.put64(e + 8, map[i].length);
    area.put32(e + 16, static_cast<u32>(map[i].type));
  }
}

Result<LoadedGuest> load(const Vm& vm, const LoadRequest& request, LoadDiagnostic& diag) {
  const Bytes image = request.image;
  const Result<SetupHeader> parsed = parse_header(image, diag);
  if (!parsed) return parsed.error();
  const SetupHeader& h = parsed.value();
  if (request.cmdline.size() > h.cmdline_size)
    return refuse_at(Status::invalid_argument, "command line is longer than the kernel's cmdline_size", kCmdlineSize);

  const GuestMemoryMap map(vm.ram_size);
  const Result<u64> at = choose_load_address(h, map, diag);
  if (!at) return at.error();
  LoadedGuest out;
  out.image = {at.value(), at.value() + h.init_size};
  GuestRange initrd;
  NUCLEO_TRY(place_initrd(request.modules, h, out.image.end, map, out.modules, initrd, diag));
  out.module_count = request.modules.size();

  BootInfoArea area(vm);
  const u64 zp = area.reserve(kZeroPageSize, kPageSize);
  const u64 cmdline = area.put_string(request.cmdline);
  const u64 gdt = area.reserve(sizeof(kGdt), 16);
  for (usize i = 0; i < sizeof(kGdt) / sizeof(kGdt[0]); ++i) area.put64(gdt + 8 * i, kGdt[i]);
  const u64 pml4 = build_page_tables(area, vm.ram_size);
  if (!area.ok()) {
    diag.has_range = true;
    diag.range = {kBootInfoBase, kBootInfoEnd};
    return make_error(Status::out_of_memory, "boot_params, page tables and GDT do not fit their area in guest RAM");
  }
  write_boot_params(area, zp, image, h, request, cmdline, initrd, map);
  out.info = {zp, zp + kZeroPageSize};

  const Bytes kernel = image.subspan(h.kernel_offset, image.size() - h.kernel_offset);
  const Span<u8> dst = vm.guest_ram(at.value(), h.init_size);
  __builtin_memcpy(dst.data(), kernel.data(), kernel.size());
  __builtin_memset(dst.data() + kernel.size(), 0, h.init_size - kernel.size());
  write_modules(request.modules, out.modules, vm);

  out.entry.eip = static_cast<u32>(at.value() + kEntry64Offset);
  out.entry.long_mode = true;
  out.entry.rsi = zp;
  out.entry.cr3 = pml4;
  out.entry.gdt_base = gdt;
  out.entry.gdt_limit = sizeof(kGdt) - 1;
  return out;
}

}  // namespace

bool is_linux_image(Bytes image) {
  return image.size() >= kHeaderMagicAt + 4 && load_le16(image.data() + kBootFlag) == kBootFlagValue &&
         load_le32(image.data() + kHeaderMagicAt) == kHeaderMagic;
}

Result<LoadedGuest> load_linux(const Vm& vm, const LoadRequest& request, LoadDiagnostic* diag) {
  LoadDiagnostic local;
  local.loader = "linux";
  const Result<LoadedGuest> r = load(vm, request, local);
  if (diag != nullptr) *diag = local;
  return r;
}

}  // namespace nucleo::loader

// SPDX-License-Identifier: MIT
// libFuzzer target: arbitrary bytes as a guest kernel image for the
// Multiboot1, Multiboot2 and Linux bzImage loaders, over 16 MiB of fake
// guest RAM (a global, so ASan's redzones catch a write past it). Byte 0
// picks the loader and the options (RSDP given or broken, modules, a command line
// too long for the boot information area); the rest is the image. A success
// must follow the placement rules of docs/loaders.md and carry the
// protocol's magic and a boot information the hypervisor's own Multiboot2
// parser accepts; a refusal must say why.
#include "host-tests/fuzz/fuzz_check.hpp"
#include "kernel/boot_info/multiboot2.hpp"
#include "kernel/virt/loader/guest_memory_map.hpp"
#include "kernel/virt/loader/linux_loader.hpp"
#include "kernel/virt/loader/multiboot1_loader.hpp"
#include "kernel/virt/loader/multiboot2_loader.hpp"

namespace {

using namespace nucleo;
using namespace nucleo::loader;

constexpr u64 kRamSize = 16 * MiB;
constexpr u64 kRsdpGpa = 0xE0000;
u8 g_ram[kRamSize];
u8 g_module[0x1800];
char g_long_cmdline[70 * 1024];

enum Option : u8 {
  kUseMultiboot2 = 1 << 0,
  kGiveRsdp = 1 << 1,
  kBreakRsdp = 1 << 2,
  kGiveModules = 1 << 3,
  kLongCmdline = 1 << 4,
  kUseLinux = 1 << 5,  // wins over kUseMultiboot2
};

void put_rsdp(bool broken) {
  u8* r = g_ram + kRsdpGpa;
  for (usize i = 0; i < 36; ++i) r[i] = 0;
  for (usize i = 0; i < 8; ++i) r[i] = static_cast<u8>("RSD PTR "[i]);
  r[15] = 2;   // revision
  r[20] = 36;  // length
  u8 sum = 0;
  for (usize i = 0; i < 20; ++i) sum = static_cast<u8>(sum + r[i]);
  r[8] = static_cast<u8>(0x100 - sum);
  sum = 0;
  for (usize i = 0; i < 36; ++i) sum = static_cast<u8>(sum + r[i]);
  r[32] = static_cast<u8>(0x100 - sum);
  if (broken) r[9] ^= 0xFF;
}

void check_loaded(const LoadedGuest& g, const LoadRequest& req, bool mb2) {
  NUCLEO_FUZZ_CHECK(g.entry.eax == (mb2 ? 0x36D76289u : 0x2BADB002u));
  NUCLEO_FUZZ_CHECK(g.entry.ebx == kBootInfoBase && g.info.begin == kBootInfoBase);
  NUCLEO_FUZZ_CHECK(g.info.begin < g.info.end && g.info.end <= kBootInfoEnd);
  // The kernel: inside RAM, entered inside itself (the per-segment rules are unit-tested).
  NUCLEO_FUZZ_CHECK(g.image.begin < g.image.end && g.image.end <= kRamSize);
  NUCLEO_FUZZ_CHECK(g.image.begin <= g.entry.eip && g.entry.eip < g.image.end);
  NUCLEO_FUZZ_CHECK(!GuestMemoryMap::touches_legacy_hole(g.image.begin, g.image.begin + 1));
  const GuestMemoryMap map(kRamSize);
  // Modules: page-aligned, above the kernel and 1 MiB, in RAM, in order, byte-exact.
  NUCLEO_FUZZ_CHECK(g.module_count == req.modules.size());
  u64 previous_end = max(g.image.end, kHighRamBase);
  for (usize i = 0; i < g.module_count; ++i) {
    const GuestRange& m = g.modules[i];
    NUCLEO_FUZZ_CHECK(m.begin % kPageSize == 0 && m.begin >= previous_end && m.end <= kRamSize);
    NUCLEO_FUZZ_CHECK(m.end - m.begin == req.modules[i].bytes.size());
    for (usize j = 0; j < req.modules[i].bytes.size(); j += 251)
      NUCLEO_FUZZ_CHECK(g_ram[m.begin + j] == req.modules[i].bytes[j]);
    previous_end = m.end;
  }
  if (mb2) {
    static mb2::BootInfo info;
    const Error e = mb2::parse(Bytes(g_ram + g.info.begin, kBootInfoEnd - g.info.begin), g.info.begin, info);
    NUCLEO_FUZZ_CHECK(e.ok() && info.total_size == g.info.end - g.info.begin);
    NUCLEO_FUZZ_CHECK(info.module_count == g.module_count && info.region_count == map.size());
    NUCLEO_FUZZ_CHECK(info.has_basic_meminfo && info.mem_lower_kib == 639);
    NUCLEO_FUZZ_CHECK(info.acpi_rsdp_v2.empty() == (req.rsdp_gpa == 0));
  } else {
    const u8* mbi = g_ram + g.info.begin;
    NUCLEO_FUZZ_CHECK((load_le32(mbi) & 0x245) == 0x245);  // mem, cmdline, mmap, loader name
    NUCLEO_FUZZ_CHECK(load_le32(mbi + 20) == g.module_count);
  }
}

// The Linux loader: a long-mode entry at the kernel + 0x200 with RSI =
// boot_params, everything it built inside the boot information area, the
// kernel's init_size range inside high RAM, the initrd above the kernel,
// 4-byte aligned, byte-exact.
void check_linux(const LoadedGuest& g, const LoadRequest& req) {
  const auto in_area = [](u64 gpa) { return gpa >= kBootInfoBase && gpa < kBootInfoEnd; };
  NUCLEO_FUZZ_CHECK(g.entry.long_mode && g.entry.rsi == kBootInfoBase && g.info.begin == kBootInfoBase);
  NUCLEO_FUZZ_CHECK(in_area(g.entry.cr3) && in_area(g.entry.gdt_base) && g.entry.gdt_limit == 31);
  NUCLEO_FUZZ_CHECK(g.image.begin >= kHighRamBase && g.image.begin < g.image.end && g.image.end <= kRamSize);
  NUCLEO_FUZZ_CHECK(g.entry.eip == g.image.begin + 0x200);
  NUCLEO_FUZZ_CHECK(g.module_count == req.modules.size());
  u64 previous_end = g.image.end;
  for (usize i = 0; i < g.module_count; ++i) {
    const GuestRange& m = g.modules[i];
    NUCLEO_FUZZ_CHECK(m.begin % 4 == 0 && m.begin >= previous_end && m.end <= kRamSize);
    NUCLEO_FUZZ_CHECK(m.end - m.begin == req.modules[i].bytes.size());
    for (usize j = 0; j < req.modules[i].bytes.size(); j += 251)
      NUCLEO_FUZZ_CHECK(g_ram[m.begin + j] == req.modules[i].bytes[j]);
    previous_end = m.end;
  }
  NUCLEO_FUZZ_CHECK(load_le32(g_ram + kBootInfoBase + lbp::kCmdLinePtr) != 0);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const u8* data, usize size) {
  if (size < 1) return 0;
  const u8 options = data[0];
  const bool mb2 = (options & kUseMultiboot2) != 0;
  Vm vm;
  vm.ram = g_ram;
  vm.ram_size = kRamSize;

  if (g_module[1] == 0)
    for (usize i = 0; i < sizeof g_module; ++i) g_module[i] = static_cast<u8>(i * 7 + 1);
  if (g_long_cmdline[0] == 0)
    for (usize i = 0; i + 1 < sizeof g_long_cmdline; ++i) g_long_cmdline[i] = 'x';
  const GuestModule modules[] = {{"/boot/one", "a=b", Bytes(g_module, sizeof g_module)},
                                 {"two", "", Bytes(g_module, 5)}};

  LoadRequest req;
  req.image = Bytes(data + 1, size - 1);
  req.cmdline = (options & kLongCmdline) != 0 ? Str(g_long_cmdline) : Str("console=ttyS0");
  if ((options & kGiveModules) != 0) req.modules = Span<const GuestModule>(modules, 2);
  if ((options & kGiveRsdp) != 0) {
    put_rsdp((options & kBreakRsdp) != 0);
    req.rsdp_gpa = kRsdpGpa;
  }

  LoadDiagnostic diag;
  const bool linux = (options & kUseLinux) != 0;
  const Result<LoadedGuest> r = linux ? load_linux(vm, req, &diag)
                                : mb2 ? load_multiboot2(vm, req, &diag)
                                      : load_multiboot1(vm, req, &diag);
  if (r.ok() && linux) {
    check_linux(r.value(), req);
  } else if (r.ok()) {
    check_loaded(r.value(), req, mb2);
  } else {
    NUCLEO_FUZZ_CHECK(r.error().what != nullptr && r.error().what[0] != '\0');
    NUCLEO_FUZZ_CHECK(r.error().offset <= size);
    char line[256];
    BufferSink sink(line, sizeof line);
    format_load_error(sink, r.error(), diag);
    NUCLEO_FUZZ_CHECK(sink.view().size() > 12 &&
                      sink.view().starts_with(linux ? "linux: " : mb2 ? "multiboot2: " : "multiboot1: "));
  }
  return 0;
}

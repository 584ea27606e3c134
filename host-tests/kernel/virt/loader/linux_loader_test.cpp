// SPDX-License-Identifier: MIT
// The Linux bzImage loader (kernel/virt/loader/linux_loader.cpp) on the real
// setup header of Debian's kernel (host-tests/data/linux/, the first 1 KiB
// of vmlinuz-6.1.0-57-amd64: boot sector stub and setup header) followed by
// a synthetic protected-mode kernel: where the kernel, initrd, boot_params,
// command line, GDT and page tables land, what boot_params says (boot.rst,
// zero-page.rst), the long-mode entry, and every refusal by its message.
#include "kernel/virt/loader/linux_loader.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <iterator>

#include "host-tests/kernel/virt/loader/loader_test_vm.hpp"
#include "kernel/virt/loader/guest_memory_map.hpp"

namespace nucleo {
namespace {

using loader::GuestModule;
using loader::LoadDiagnostic;
using loader::LoadedGuest;
using loader::LoadRequest;
using namespace loader::lbp;

constexpr u64 kSetupBytes = 40 * 512;  // setup_sects 39 + the boot sector
constexpr u64 kPayload = 0x3000;       // synthetic protected-mode kernel
constexpr u64 kDebianInitSize = 0x3F98000;   // Debian's init_size
constexpr u64 kPref = 0x1000000;

std::vector<u8> debian_header() {
  std::ifstream in(std::string(NUCLEO_TEST_DATA) + "/linux/debian-6.1.0-57-amd64.setup", std::ios::binary);
  std::vector<u8> b((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (b.size() != 1024) ADD_FAILURE() << "test data missing or not 1 KiB";
  b.resize(1024);
  return b;
}

// The real header, padded to the protected-mode kernel, then kPayload
// pattern bytes.
std::vector<u8> debian_image() {
  std::vector<u8> img = debian_header();
  img.resize(kSetupBytes, 0);
  for (u64 i = 0; i < kPayload; ++i) img.push_back(static_cast<u8>(i * 13 + 5));
  return img;
}

void put16(std::vector<u8>& b, usize at, u16 v) {
  b[at] = static_cast<u8>(v);
  b[at + 1] = static_cast<u8>(v >> 8);
}
void put32(std::vector<u8>& b, usize at, u32 v) {
  for (int i = 0; i < 4; ++i) b[at + static_cast<usize>(i)] = static_cast<u8>(v >> (8 * i));
}

std::vector<u8> g_initrd_a(0x2345, 0xA1), g_initrd_b(0x101, 0xB2);

struct Load {
  test::LoaderVm guest;
  std::vector<u8> image;
  LoadDiagnostic diag;
  Result<LoadedGuest> result = make_error(Status::ok, "");
  explicit Load(std::vector<u8> img, u64 ram = 128 * MiB, const char* cmdline = "console=ttyS0 nokaslr",
                bool modules = true, u64 rsdp = 0xE0000)
      : guest(ram), image(std::move(img)) {
    static const GuestModule mods[] = {{"initrd-a", "", Bytes(g_initrd_a.data(), g_initrd_a.size())},
                                       {"initrd-b", "x=y", Bytes(g_initrd_b.data(), g_initrd_b.size())}};
    LoadRequest r;
    r.image = Bytes(image.data(), image.size());
    r.cmdline = cmdline;
    if (modules) r.modules = Span<const GuestModule>(mods, 2);
    r.rsdp_gpa = rsdp;
    result = loader::load_linux(guest.vm, r, &diag);
  }
  std::string message() const { return test::load_message(result.error(), diag); }
};

TEST(LinuxLoader, GivenDebiansBzImageWhenProbedThenItIsLinuxAndAnElfIsNot) {
  const std::vector<u8> img = debian_image();
  EXPECT_TRUE(loader::is_linux_image(Bytes(img.data(), img.size())));
  const u8 elf[0x300] = {0x7F, 'E', 'L', 'F'};
  EXPECT_FALSE(loader::is_linux_image(Bytes(elf, sizeof elf)));
  EXPECT_FALSE(loader::is_linux_image(Bytes(img.data(), 0x205)));
}

TEST(LinuxLoader, GivenDebiansKernelWhenLoadedThenItLandsAtPrefAddressWithInitSizeZeroedPastTheFile) {
  const Load l(debian_image());
  ASSERT_TRUE(l.result.ok()) << l.message();
  const LoadedGuest& g = l.result.value();
  EXPECT_EQ(g.image.begin, kPref);
  EXPECT_EQ(g.image.end, kPref + kDebianInitSize);
  EXPECT_EQ(l.guest.bytes_at(kPref, kPayload), std::vector<u8>(l.image.begin() + kSetupBytes, l.image.end()));
  EXPECT_EQ(l.guest.u8_at(kPref + kPayload), 0u);
  EXPECT_EQ(l.guest.u8_at(kPref + kDebianInitSize - 1), 0u);
  EXPECT_EQ(l.guest.u8_at(kPref + kDebianInitSize), test::kUntouched);
  EXPECT_EQ(l.guest.u8_at(kPref - 1), test::kUntouched);
}

TEST(LinuxLoader, GivenTwoModulesWhenLoadedThenTheyFormOneInitrdAtTheTopOfRamFourByteAligned) {
  const Load l(debian_image());
  ASSERT_TRUE(l.result.ok()) << l.message();
  const LoadedGuest& g = l.result.value();
  ASSERT_EQ(g.module_count, 2u);
  const u64 total = align_up(g_initrd_a.size(), 4) + g_initrd_b.size();
  const u64 start = align_down(128 * MiB - total, kPageSize);
  EXPECT_EQ(g.modules[0].begin, start);
  EXPECT_EQ(g.modules[0].end, start + g_initrd_a.size());
  EXPECT_EQ(g.modules[1].begin, align_up(g.modules[0].end, 4));
  EXPECT_EQ(g.modules[1].end, start + total);
  EXPECT_EQ(l.guest.bytes_at(g.modules[0].begin, g_initrd_a.size()), g_initrd_a);
  EXPECT_EQ(l.guest.bytes_at(g.modules[1].begin, g_initrd_b.size()), g_initrd_b);
  const u64 zp = g.info.begin;
  EXPECT_EQ(l.guest.u32_at(zp + kRamdiskImage), start);
  EXPECT_EQ(l.guest.u32_at(zp + kRamdiskSize), total);
  EXPECT_EQ(l.guest.u32_at(zp + kExtRamdiskImage), 0u);
}

TEST(LinuxLoader, GivenDebiansKernelWhenLoadedThenBootParamsHoldTheHeaderCommandLineE820AndRsdp) {
  const Load l(debian_image());
  ASSERT_TRUE(l.result.ok()) << l.message();
  const u64 zp = l.result.value().info.begin;
  EXPECT_EQ(zp, loader::kBootInfoBase);
  EXPECT_EQ(l.result.value().info.end, zp + kZeroPageSize);
  // The setup header is the image's, apart from what the loader fills in.
  const usize end = 0x202 + l.image[0x201];
  EXPECT_EQ(end, 0x26Cu);
  for (usize i = kSetupSects; i < end; ++i) {
    if (i == kTypeOfLoader || (i >= kRamdiskImage && i < kRamdiskSize + 4) || (i >= kCmdLinePtr && i < kCmdLinePtr + 4))
      continue;
    EXPECT_EQ(l.guest.u8_at(zp + i), l.image[i]) << "boot_params byte " << i;
  }
  EXPECT_EQ(l.guest.u8_at(zp + end), 0u);
  EXPECT_EQ(l.guest.u8_at(zp + 0x1EF), 0u);  // sentinel: the loader zeroed boot_params
  EXPECT_EQ(l.guest.u8_at(zp + kTypeOfLoader), 0xFFu);
  EXPECT_EQ(l.guest.c_string_at(l.guest.u32_at(zp + kCmdLinePtr)), "console=ttyS0 nokaslr");
  EXPECT_EQ(l.guest.u32_at(zp + kExtCmdLinePtr), 0u);
  EXPECT_EQ(l.guest.u64_at(zp + kAcpiRsdpAddr), 0xE0000u);  // protocol 2.15 >= 2.14
  const loader::GuestMemoryMap map(128 * MiB);
  ASSERT_EQ(l.guest.u8_at(zp + kE820Entries), map.size());
  for (usize i = 0; i < map.size(); ++i) {
    const u64 e = zp + kE820Table + 20 * i;
    EXPECT_EQ(l.guest.u64_at(e), map[i].base);
    EXPECT_EQ(l.guest.u64_at(e + 8), map[i].length);
    EXPECT_EQ(l.guest.u32_at(e + 16), static_cast<u32>(map[i].type));
  }
  EXPECT_EQ(l.guest.u64_at(zp + kE820Table + 20 * map.size()), 0u);
}

TEST(LinuxLoader, GivenDebiansKernelWhenLoadedThenItEntersLongModeAt0x200WithIdentityMapAndBootGdt) {
  const Load l(debian_image(), 96 * MiB);
  ASSERT_TRUE(l.result.ok()) << l.message();
  const loader::BootEntry& e = l.result.value().entry;
  EXPECT_TRUE(e.long_mode);
  EXPECT_EQ(e.eip, kPref + 0x200);
  EXPECT_EQ(e.rsi, l.result.value().info.begin);
  // GDT: __BOOT_CS (0x10) 64-bit execute/read, __BOOT_DS (0x18) read/write, flat.
  EXPECT_EQ(e.gdt_limit, 31u);
  EXPECT_EQ(l.guest.u64_at(e.gdt_base + loader::kLinuxBootCs), 0x00AF9B000000FFFFu);
  EXPECT_EQ(l.guest.u64_at(e.gdt_base + loader::kLinuxBootDs), 0x00CF93000000FFFFu);
  // PML4[0] -> PDPT, PDPT[0] -> PD, PD[i] = 2 MiB page i, exactly RAM.
  EXPECT_EQ(e.cr3 % kPageSize, 0u);
  const u64 pml4e = l.guest.u64_at(e.cr3);
  ASSERT_EQ(pml4e & 0xFFF, 0x3u);
  const u64 pdpte = l.guest.u64_at(pml4e & ~u64{0xFFF});
  ASSERT_EQ(pdpte & 0xFFF, 0x3u);
  EXPECT_EQ(l.guest.u64_at((pml4e & ~u64{0xFFF}) + 8), 0u);
  const u64 pd = pdpte & ~u64{0xFFF};
  for (u64 i = 0; i < 48; ++i) EXPECT_EQ(l.guest.u64_at(pd + 8 * i), (i * 2 * MiB) | 0x83) << i;
  EXPECT_EQ(l.guest.u64_at(pd + 8 * 48), 0u);
  // All of it below the trampoline page Linux's decompressor may borrow
  // under the EBDA (0x9D000).
  EXPECT_LE(pd + kPageSize, 0x9D000u);
}

TEST(LinuxLoader, GivenRamTooSmallForPrefAddressWhenRelocatableThenTheKernelLoadsAtTheFirstAlignedAddress) {
  const Load l(debian_image(), 72 * MiB, "", false);
  ASSERT_TRUE(l.result.ok()) << l.message();
  EXPECT_EQ(l.result.value().image.begin, 2 * MiB);  // kernel_alignment 2 MiB above 1 MiB
  EXPECT_EQ(l.result.value().entry.eip, 2 * MiB + 0x200);
  EXPECT_EQ(l.guest.u32_at(l.result.value().info.begin + kRamdiskSize), 0u);
}

struct Refusal {
  const char* name;
  void (*edit)(std::vector<u8>&);
  const char* message;
};

const Refusal kRefusals[] = {
    {"boot flag", [](std::vector<u8>& b) { b[kBootFlag] = 0; },
     "linux: boot_flag is not 0xAA55: not a Linux kernel image"},
    {"HdrS", [](std::vector<u8>& b) { b[kHeaderMagicAt] = 'X'; },
     "linux: no \"HdrS\" setup header (boot protocol before 2.00)"},
    {"2.10", [](std::vector<u8>& b) { put16(b, kVersion, 0x020A); },
     "linux: boot protocol older than 2.12 has no 64-bit entry (boot protocol 2.10)"},
    {"short header", [](std::vector<u8>& b) { b[kJump + 1] = 0x40; },
     "linux: boot protocol older than 2.12 has no 64-bit entry (boot protocol 2.15)"},
    {"header past 0x290", [](std::vector<u8>& b) { b[kJump + 1] = 0x90; },
     "linux: setup header runs past 0x290 into the rest of boot_params"},
    {"zImage", [](std::vector<u8>& b) { b[kLoadflags] &= static_cast<u8>(~kLoadedHigh); },
     "linux: zImage (loadflags bit 0 clear): only bzImages load"},
    {"no 64-bit entry", [](std::vector<u8>& b) { put16(b, kXloadflags, 0x7E); },
     "linux: no 64-bit entry point (xloadflags bit 0, XLF_KERNEL_64, clear)"},
    {"no kernel", [](std::vector<u8>& b) { b.resize(kSetupBytes); },
     "linux: image ends before the protected-mode kernel"},
    {"alignment", [](std::vector<u8>& b) { put32(b, kKernelAlignment, 0x300000); },
     "linux: kernel_alignment is not a power of two of at least 4 KiB"},
    {"init_size", [](std::vector<u8>& b) { put32(b, kInitSize, 0x1000); },
     "linux: init_size is smaller than the protected-mode kernel"},
    {"cmdline_size", [](std::vector<u8>& b) { put32(b, kCmdlineSize, 8); },
     "linux: command line is longer than the kernel's cmdline_size"},
    {"initrd_addr_max", [](std::vector<u8>& b) { put32(b, kInitrdAddrMax, 0x4F98FFF); },
     "linux: initrd does not fit between the kernel and initrd_addr_max/RAM end (module 0 [0x4f98000, "
     "0x4f9a449))"},
    {"not relocatable", [](std::vector<u8>& b) { put32(b, kPrefAddress, 0x7000000); b[kRelocatable] = 0; },
     "linux: kernel (init_size bytes from its load address) does not fit in guest RAM ([0x7000000, 0xaf98000))"},
};

TEST(LinuxLoader, GivenABrokenHeaderWhenLoadedThenTheRefusalNamesTheProblemAndRamIsUntouched) {
  for (const Refusal& r : kRefusals) {
    SCOPED_TRACE(r.name);
    std::vector<u8> img = debian_image();
    r.edit(img);
    const Load l(std::move(img));
    ASSERT_FALSE(l.result.ok());
    EXPECT_EQ(l.message(), r.message);
    EXPECT_TRUE(l.guest.all_untouched());
  }
}

TEST(LinuxLoader, GivenRamBelowTheKernelsNeedWhenLoadedThenRefusedWithThePreferredRange) {
  const Load l(debian_image(), 64 * MiB);
  ASSERT_FALSE(l.result.ok());
  EXPECT_EQ(l.message(),
            "linux: kernel (init_size bytes from its load address) does not fit in guest RAM ([0x1000000, 0x4f98000))");
  EXPECT_TRUE(l.guest.all_untouched());
}

TEST(LinuxLoader, GivenATruncatedImageWhenLoadedThenRefusedAsTruncated) {
  std::vector<u8> img = debian_image();
  img.resize(0x100);
  const Load l(std::move(img));
  ASSERT_FALSE(l.result.ok());
  EXPECT_EQ(l.result.error().status, Status::truncated);
  EXPECT_EQ(l.message(), "linux: image ends before the setup header");
}

}  // namespace
}  // namespace nucleo

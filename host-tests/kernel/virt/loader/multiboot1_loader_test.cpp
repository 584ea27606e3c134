// SPDX-License-Identifier: MIT
// The Multiboot1 loader (kernel/virt/loader/multiboot1_loader.cpp): ELF32
// and a.out-kludge images land at their physical addresses with bss zeroed,
// modules page-aligned above the kernel, the MBI field by field (0.6.96
// 3.3), the entry registers, and every refusal with its message, leaving
// guest RAM untouched.
#include "kernel/virt/loader/multiboot1_loader.hpp"

#include <gtest/gtest.h>

#include "host-tests/kernel/virt/loader/loader_test_vm.hpp"
#include "host-tests/support/elf_builder.hpp"
#include "kernel/virt/loader/guest_memory_map.hpp"

namespace nucleo {
namespace {

using loader::GuestModule;
using loader::LoadDiagnostic;
using loader::LoadedGuest;
using loader::LoadRequest;
using test::ElfBuilder;
using test::ImageBytes;
using test::LoaderVm;
using test::mb1_header;
using test::Mb1Kludge;
using test::pattern;

constexpr u32 kText = 0x100000, kData = 0x102000;

// Text at 1 MiB (0x300 bytes, entry at +0x10), data at 0x102000 with 0x40
// file bytes and 0x1000 of memory (the rest bss).
ElfBuilder kernel32(u32 flags = 0) {
  ElfBuilder b(false);
  b.entry(kText + 0x10).segment(kText, pattern(0x300)).segment(kData, pattern(0x40, 7), 0x1000);
  b.multiboot_header(mb1_header(flags));
  return b;
}

struct Load {
  LoaderVm guest;
  ImageBytes image;
  LoadDiagnostic diag;
  Result<LoadedGuest> result = make_error(Status::ok, "");
  explicit Load(ImageBytes img, Span<const GuestModule> modules = {}, const char* cmdline = "console=ttyS0",
                u64 ram = 16 * MiB)
      : guest(ram), image(std::move(img)) {
    LoadRequest r;
    r.image = test::image_view(image);
    r.cmdline = cmdline;
    r.modules = modules;
    result = loader::load_multiboot1(guest.vm, r, &diag);
  }
  std::string message() const { return test::load_message(result.error(), diag); }
};

TEST(Multiboot1Loader, GivenAnElf32KernelWhenLoadedThenSegmentsLandAtTheirPhysicalAddressesAndBssIsZero) {
  const Load l(kernel32().build());
  ASSERT_TRUE(l.result.ok()) << l.message();
  EXPECT_EQ(l.guest.bytes_at(kText, 0x300), pattern(0x300));
  EXPECT_EQ(l.guest.bytes_at(kData, 0x40), pattern(0x40, 7));
  for (u64 a = kData + 0x40; a < kData + 0x1000; ++a) ASSERT_EQ(l.guest.u8_at(a), 0) << std::hex << a;
  EXPECT_EQ(l.guest.u8_at(kData + 0x1000), test::kUntouched);  // not one byte more
  EXPECT_EQ(l.guest.u8_at(kText + 0x300), test::kUntouched);
  EXPECT_EQ(l.result->image.begin, kText);
  EXPECT_EQ(l.result->image.end, kData + 0x1000u);
}

TEST(Multiboot1Loader, GivenAnElf32KernelWhenLoadedThenTheEntryStateCarriesMagicAndInfoAddress) {
  const Load l(kernel32().build());
  ASSERT_TRUE(l.result.ok()) << l.message();
  EXPECT_EQ(l.result->entry.eip, kText + 0x10);
  EXPECT_EQ(l.result->entry.eax, 0x2BADB002u);
  EXPECT_EQ(l.result->entry.ebx, loader::kBootInfoBase);
  EXPECT_EQ(l.result->info.begin, loader::kBootInfoBase);
  EXPECT_EQ(l.result->info.end, loader::kBootInfoBase + 116);
}

TEST(Multiboot1Loader, GivenNoModulesWhenLoadedThenTheMbiHoldsMemoryCmdlineMmapAndLoaderName) {
  const Load l(kernel32(loader::mb1::kFlagMemoryInfo | loader::mb1::kFlagPageAlignModules).build());
  ASSERT_TRUE(l.result.ok()) << l.message();
  const u64 mbi = l.result->entry.ebx;
  const LoaderVm& g = l.guest;
  EXPECT_EQ(g.u32_at(mbi),
            (1u << 0) | (1u << 2) | (1u << 6) | (1u << 9));  // mem, cmdline, mmap, name; no boot device, no mods
  EXPECT_EQ(g.u32_at(mbi + 4), 639u);                        // mem_lower KiB
  EXPECT_EQ(g.u32_at(mbi + 8), 15u * 1024);                  // mem_upper: 16 MiB - 1 MiB
  EXPECT_EQ(g.u32_at(mbi + 12), 0u);                         // boot_device absent
  EXPECT_EQ(g.c_string_at(g.u32_at(mbi + 16)), "console=ttyS0");
  EXPECT_EQ(g.u32_at(mbi + 20), 0u);  // mods_count
  EXPECT_EQ(g.c_string_at(g.u32_at(mbi + 64)), "nucleo");
  // Memory map: size-prefixed entries (size = 20, excluding itself).
  const u32 length = g.u32_at(mbi + 44);
  const u64 mmap = g.u32_at(mbi + 48);
  ASSERT_EQ(length, 4u * 24);
  struct Want {
    u64 base, length;
    u32 type;
  };
  const Want want[] = {{0, 0x9FC00, 1}, {0x9FC00, 0x400, 2}, {0xA0000, 0x60000, 2}, {0x100000, 15 * MiB, 1}};
  for (u64 i = 0; i < 4; ++i) {
    const u64 e = mmap + 24 * i;
    EXPECT_EQ(g.u32_at(e), 20u) << i;
    EXPECT_EQ(g.u64_at(e + 4), want[i].base) << i;
    EXPECT_EQ(g.u64_at(e + 12), want[i].length) << i;
    EXPECT_EQ(g.u32_at(e + 20), want[i].type) << i;
  }
  // Everything the MBI points to lies in the boot information area.
  for (u64 p : {u64{g.u32_at(mbi + 16)}, mmap, u64{g.u32_at(mbi + 64)}}) {
    EXPECT_GE(p, loader::kBootInfoBase);
    EXPECT_LT(p, loader::kBootInfoEnd);
  }
}

TEST(Multiboot1Loader, GivenModulesWhenLoadedThenEachIsPageAlignedAboveTheKernelWithItsString) {
  const ImageBytes a = pattern(0x1234, 3), b = pattern(10, 9), empty;
  const GuestModule mods[] = {{"/boot/initrd", "root=/dev/ram", Bytes(a.data(), a.size())},
                              {"/boot/b", "", Bytes(b.data(), b.size())},
                              {"c", "x", Bytes(empty.data(), 0)}};
  const Load l(kernel32(loader::mb1::kFlagPageAlignModules).build(), Span<const GuestModule>(mods, 3));
  ASSERT_TRUE(l.result.ok()) << l.message();
  const LoaderVm& g = l.guest;
  const u64 mbi = l.result->entry.ebx;
  EXPECT_NE(g.u32_at(mbi) & (1u << 3), 0u);
  ASSERT_EQ(g.u32_at(mbi + 20), 3u);
  const u64 list = g.u32_at(mbi + 24);
  // The kernel ends at 0x103000: the first module starts there, the next on the following page.
  EXPECT_EQ(g.u32_at(list), 0x103000u);
  EXPECT_EQ(g.u32_at(list + 4), 0x103000u + 0x1234);
  EXPECT_EQ(g.c_string_at(g.u32_at(list + 8)), "/boot/initrd root=/dev/ram");
  EXPECT_EQ(g.u32_at(list + 12), 0u);
  EXPECT_EQ(g.u32_at(list + 16), 0x105000u);
  EXPECT_EQ(g.u32_at(list + 20), 0x10500Au);
  EXPECT_EQ(g.c_string_at(g.u32_at(list + 24)), "/boot/b");
  EXPECT_EQ(g.u32_at(list + 32), 0x106000u);  // an empty module: start == end
  EXPECT_EQ(g.u32_at(list + 36), 0x106000u);
  EXPECT_EQ(g.bytes_at(0x103000, a.size()), a);
  EXPECT_EQ(g.bytes_at(0x105000, b.size()), b);
  ASSERT_EQ(l.result->module_count, 3u);
  EXPECT_EQ(l.result->modules[1].begin, 0x105000u);
}

TEST(Multiboot1Loader, GivenAHigherHalfKernelWhenLoadedThenTheEntryIsTranslatedToItsPhysicalAddress) {
  ElfBuilder b(false);
  b.entry(0xC0100020).segment(kText, pattern(0x100), 0, 0xC0100000).multiboot_header(mb1_header(0));
  const Load l(b.build());
  ASSERT_TRUE(l.result.ok()) << l.message();
  EXPECT_EQ(l.result->entry.eip, kText + 0x20);
  EXPECT_EQ(l.guest.bytes_at(kText, 0x100), pattern(0x100));
}

TEST(Multiboot1Loader, GivenAnAoutKludgeImageWhenLoadedThenTheFileFromLoadAddrIsCopiedAndBssZeroed) {
  // File: 0x20 bytes of lead-in, the header at 0x20, code after it; loaded from offset 0 at 0x200000.
  const u32 load = 0x200000;
  ImageBytes code = pattern(0x200, 5);
  const Mb1Kludge k{load + 0x20, load, load + 0x400, load + 0x3000, load + 0x100};
  ImageBytes image = test::raw_image(0x20, mb1_header(loader::mb1::kFlagAddressFields, &k), 0x200, code);
  image.resize(0x500, 0xEE);  // bytes past load_end_addr are not loaded
  const Load l(image);
  ASSERT_TRUE(l.result.ok()) << l.message();
  EXPECT_EQ(l.guest.bytes_at(load, 0x400), ImageBytes(image.begin(), image.begin() + 0x400));
  for (u64 a = load + 0x400; a < load + 0x3000; ++a) ASSERT_EQ(l.guest.u8_at(a), 0) << std::hex << a;
  EXPECT_EQ(l.guest.u8_at(load + 0x3000), test::kUntouched);
  EXPECT_EQ(l.result->entry.eip, load + 0x100);
  EXPECT_EQ(l.result->image.end, load + 0x3000u);
}

TEST(Multiboot1Loader, GivenAKludgeWithLoadEndZeroWhenLoadedThenTheRestOfTheFileIsLoaded) {
  const u32 load = 0x180000;
  const Mb1Kludge k{load + 0x40, load + 0x40, 0, 0, load + 0x40};
  const ImageBytes image = test::raw_image(0x40, mb1_header(loader::mb1::kFlagAddressFields, &k), 0x60, pattern(0x90));
  const Load l(image);
  ASSERT_TRUE(l.result.ok()) << l.message();
  EXPECT_EQ(l.guest.bytes_at(load + 0x40, image.size() - 0x40), ImageBytes(image.begin() + 0x40, image.end()));
  EXPECT_EQ(l.guest.u8_at(load + 0x3F), test::kUntouched);
  EXPECT_EQ(l.result->image.end, load + image.size());
}

TEST(Multiboot1Loader, GivenAnElfWithTheKludgeFlagWhenLoadedThenTheAddressFieldsWin) {
  // As in GRUB: the ELF program headers (which would put data at 1 MiB) are ignored.
  ElfBuilder b(false);
  b.entry(kText).segment(kText, pattern(0x100));
  const usize at = b.header_offset();
  const u32 load = 0x400000;
  const Mb1Kludge k{static_cast<u32>(load + at), load, 0, 0, load};
  b.multiboot_header(mb1_header(loader::mb1::kFlagAddressFields, &k));
  const ImageBytes image = b.build();
  const Load l(image);
  ASSERT_TRUE(l.result.ok()) << l.message();
  EXPECT_EQ(l.guest.bytes_at(load, image.size()), image);  // the ELF file itself, byte for byte
  EXPECT_EQ(l.guest.u8_at(kText), test::kUntouched);
  EXPECT_EQ(l.result->entry.eip, load);
}

TEST(Multiboot1Loader, GivenOptionalUnknownFlagsAndTheVideoFlagWhenLoadedThenAccepted) {
  const Load l(kernel32(loader::mb1::kFlagVideoMode | (1u << 17) | (1u << 31)).build());
  ASSERT_TRUE(l.result.ok()) << l.message();
  EXPECT_EQ(l.guest.u32_at(l.result->entry.ebx) & ((1u << 11) | (1u << 12)), 0u);  // no VBE, no framebuffer
}

// ---- Refusals: each names its reason, and guest RAM stays untouched. ----

struct Refused {
  Status status;
  std::string message;
};

Refused refuse(ImageBytes image, u64 ram = 16 * MiB, Span<const GuestModule> modules = {}, const char* cmdline = "") {
  const Load l(std::move(image), modules, cmdline, ram);
  EXPECT_FALSE(l.result.ok());
  if (l.result.ok()) return {Status::ok, ""};
  return {l.result.error().status, l.message()};
}

TEST(Multiboot1Loader, GivenNoMagicWhenLoadedThenRefusedAndNothingWritten) {
  ElfBuilder b = kernel32();
  b.multiboot_header({});
  const Load l(b.build());
  ASSERT_FALSE(l.result.ok());
  EXPECT_EQ(l.message(), "multiboot1: no header found (wrong magic)");
  EXPECT_TRUE(l.guest.all_untouched());
}

TEST(Multiboot1Loader, GivenABadChecksumWhenLoadedThenRefused) {
  ElfBuilder b = kernel32();
  b.multiboot_header(mb1_header(0, nullptr, 1));
  EXPECT_EQ(refuse(b.build()).message, "multiboot1: header checksum is wrong");
}

TEST(Multiboot1Loader, GivenAHeaderBeyond8192BytesWhenLoadedThenRefused) {
  ElfBuilder b = kernel32();
  b.multiboot_header({});
  const ImageBytes header = mb1_header(0);
  ImageBytes beyond = b.build();
  beyond.resize(8192 - 8, 0);  // the header would straddle the limit
  beyond.insert(beyond.end(), header.begin(), header.end());
  EXPECT_EQ(refuse(beyond).message, "multiboot1: header lies beyond the first 8192 bytes");
  // Just inside: the last 12 bytes of the first 8192.
  ImageBytes inside = b.build();
  inside.resize(8192 - 12, 0);
  inside.insert(inside.end(), header.begin(), header.end());
  const Load l(inside);
  EXPECT_TRUE(l.result.ok()) << l.message();
}

TEST(Multiboot1Loader, GivenAnUnalignedHeaderWhenLoadedThenRefused) {
  ImageBytes image = ElfBuilder(false).entry(kText).segment(kText, pattern(16)).build();
  image.resize(0x402, 0);
  const ImageBytes header = mb1_header(0);
  image.insert(image.end(), header.begin(), header.end());
  EXPECT_EQ(refuse(image).message, "multiboot1: header is not 4-byte aligned");
}

TEST(Multiboot1Loader, GivenAnUnknownRequiredFlagWhenLoadedThenRefused) {
  EXPECT_EQ(refuse(kernel32(1u << 3).build()).message,
            "multiboot1: header requires an unknown feature (flags bits 3-15)");
  EXPECT_EQ(refuse(kernel32(1u << 15).build()).status, Status::unsupported);
}

TEST(Multiboot1Loader, GivenASegmentInTheLegacyHoleWhenLoadedThenRefusedWithItsNumberAndRange) {
  ElfBuilder b = kernel32();
  b.segment(0xA0000, pattern(0x10), 0x1000);
  const Load l(b.build());
  ASSERT_FALSE(l.result.ok());
  EXPECT_EQ(l.message(), "multiboot1: segment lies in the legacy hole (segment 2 [0xa0000, 0xa1000))");
  EXPECT_EQ(l.diag.index, 2u);
  EXPECT_TRUE(l.guest.all_untouched());
  ElfBuilder ebda = kernel32();
  ebda.segment(0x9F000, pattern(0x10), 0xC01);  // one byte into the EBDA
  EXPECT_EQ(refuse(ebda.build()).status, Status::malformed);
}

TEST(Multiboot1Loader, GivenASegmentPastTheEndOfRamWhenLoadedThenRefused) {
  ElfBuilder b = kernel32();
  b.segment(16 * MiB - 0x1000, pattern(0x10), 0x1001);
  EXPECT_EQ(refuse(b.build()).message,
            "multiboot1: segment extends past the end of guest RAM (segment 2 [0xfff000, 0x1000001))");
  ElfBuilder fits = kernel32();
  fits.segment(16 * MiB - 0x1000, pattern(0x10), 0x1000);
  EXPECT_TRUE(Load(fits.build()).result.ok());
}

TEST(Multiboot1Loader, GivenASegmentWrappingThe32BitSpaceWhenLoadedThenRefused) {
  ElfBuilder b(false);
  b.entry(0xFFFFF000).segment(0xFFFFF000, pattern(0x10), 0x2000).multiboot_header(mb1_header(0));
  EXPECT_EQ(refuse(b.build()).message,
            "multiboot1: segment extends beyond 4 GiB (segment 0 [0xfffff000, 0x100001000))");
}

TEST(Multiboot1Loader, GivenOverlappingSegmentsWhenLoadedThenRefused) {
  ElfBuilder b = kernel32();
  b.segment(kText + 0x2FF, pattern(0x10));
  EXPECT_EQ(refuse(b.build()).message,
            "multiboot1: segment overlaps an earlier segment (segment 2 [0x1002ff, 0x10030f))");
}

TEST(Multiboot1Loader, GivenASegmentOverTheBootInformationAreaWhenLoadedThenRefused) {
  ElfBuilder b = kernel32();
  b.segment(loader::kBootInfoEnd - 1, pattern(1));
  EXPECT_EQ(refuse(b.build()).message,
            "multiboot1: segment overlaps the boot information area (segment 2 [0x9efff, 0x9f000))");
  ElfBuilder low = kernel32();
  low.segment(0x1000, pattern(0x100));  // low RAM below the area is fine
  EXPECT_TRUE(Load(low.build()).result.ok());
}

TEST(Multiboot1Loader, GivenAnEntryOutsideEverySegmentWhenLoadedThenRefused) {
  ElfBuilder b = kernel32();
  b.entry(kText + 0x300);  // one past the text segment's memory
  EXPECT_EQ(refuse(b.build()).message, "multiboot1: entry point is not inside a loaded segment ([0x100300, 0x100301))");
}

TEST(Multiboot1Loader, GivenFileSizeAboveMemorySizeWhenLoadedThenRefused) {
  ElfBuilder b = kernel32();
  b.segment(0x300000, pattern(0x20), 0x10);
  EXPECT_EQ(refuse(b.build()).message, "multiboot1: segment file size exceeds its memory size (segment 2)");
}

TEST(Multiboot1Loader, GivenATruncatedImageWhenLoadedThenRefused) {
  ImageBytes image = kernel32().build();
  image.resize(image.size() - 1);  // the data segment's last byte is gone
  EXPECT_EQ(refuse(image).message, "multiboot1: segment data lies outside the image (segment 1)");
  ElfBuilder b = kernel32();
  b.add({});
  b.last().paddr = b.last().vaddr = 0x300000;
  b.last().memsz = 0x100;
  b.last().raw_offset = true;
  b.last().offset = ~u64{0} - 4;  // offset + filesz wraps
  b.last().raw_filesz = true;
  b.last().filesz = 0x10;
  EXPECT_EQ(refuse(b.build()).status, Status::truncated);
}

TEST(Multiboot1Loader, GivenAnElf64ImageWhenLoadedThenRefused) {
  ElfBuilder b(true);
  b.entry(kText).segment(kText, pattern(0x10)).multiboot_header(mb1_header(0));
  EXPECT_EQ(refuse(b.build()).message, "multiboot1: ELF64 images need the a.out kludge (flag 16) in Multiboot1");
}

TEST(Multiboot1Loader, GivenANonElfImageWithoutTheKludgeWhenLoadedThenRefused) {
  EXPECT_EQ(refuse(test::raw_image(0, mb1_header(0), 0x100, pattern(16))).status, Status::unsupported);
}

TEST(Multiboot1Loader, GivenBrokenKludgeFieldsWhenLoadedThenEachIsRefused) {
  const u32 load = 0x200000, flags = loader::mb1::kFlagAddressFields;
  auto with = [&](Mb1Kludge k, usize header_at = 0x20) {
    return refuse(test::raw_image(header_at, mb1_header(flags, &k), 0x100, pattern(0x100))).message;
  };
  EXPECT_EQ(with({load, load + 4, 0, 0, load}), "multiboot1: load_addr is above header_addr");
  EXPECT_EQ(with({load + 0x40, load, 0, 0, load + 0x40}), "multiboot1: load_addr lies before the start of the image");
  EXPECT_EQ(with({load + 0x20, load, load + 0x1000, 0, load}), "multiboot1: image ends before load_end_addr");
  EXPECT_EQ(with({load + 0x20, load, load - 1, 0, load}), "multiboot1: load_end_addr is below load_addr");
  EXPECT_EQ(with({load + 0x20, load, load + 0x100, load + 0xFF, load}),
            "multiboot1: bss_end_addr is below the end of the loaded data");
  EXPECT_EQ(with({load + 0x20, load, load + 0x100, 0, load + 0x100}),
            "multiboot1: entry point is not inside a loaded segment ([0x200100, 0x200101))");
  EXPECT_EQ(with({0xA0020, 0xA0000, 0, 0, 0xA0000}),
            "multiboot1: segment lies in the legacy hole (segment 0 [0xa0000, 0xa0200))");
  // The address fields must be in the image.
  ImageBytes cut = mb1_header(flags);
  EXPECT_EQ(refuse(cut).message, "multiboot1: image ends inside the header's address fields");
}

TEST(Multiboot1Loader, GivenTooManyOrTooLargeModulesWhenLoadedThenRefused) {
  const ImageBytes m = pattern(16);
  std::vector<GuestModule> nine(9, GuestModule{"m", "", Bytes(m.data(), m.size())});
  EXPECT_EQ(refuse(kernel32().build(), 16 * MiB, Span<const GuestModule>(nine.data(), 9)).message,
            "multiboot1: more than 8 modules");
  const ImageBytes big(15 * MiB, 1);  // the kernel ends at 0x103000: 0x103000 + 15 MiB > 16 MiB
  const GuestModule one[] = {{"big", "", Bytes(big.data(), big.size())}};
  EXPECT_EQ(
      refuse(kernel32().build(), 16 * MiB, Span<const GuestModule>(one, 1)).message,
      "multiboot1: module does not fit in guest RAM below 4 GiB above the kernel (module 0 [0x103000, 0x1003000))");
}

TEST(Multiboot1Loader, GivenACommandLineLargerThanTheInfoAreaWhenLoadedThenRefused) {
  const std::string huge(70 * 1024, 'x');
  EXPECT_EQ(refuse(kernel32().build(), 16 * MiB, {}, huge.c_str()).message,
            "multiboot1: boot information does not fit its area in guest RAM ([0x90000, 0x9f000))");
}

TEST(Multiboot1Loader, GivenRamEndingBelowTheInfoAreaWhenLoadedThenRefused) {
  ElfBuilder b(false);
  b.entry(0x10000).segment(0x10000, pattern(0x100)).multiboot_header(mb1_header(0));
  EXPECT_EQ(refuse(b.build(), 512 * KiB).status, Status::out_of_memory);
}

}  // namespace
}  // namespace nucleo

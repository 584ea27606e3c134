// SPDX-License-Identifier: MIT
// The Multiboot2 loader (kernel/virt/loader/multiboot2_loader.cpp): ELF32,
// ELF64 and address-tag images land at their physical addresses, the boot
// information is read back with the hypervisor's own Multiboot2 parser
// (kernel/boot_info/multiboot2), header tags are honoured, ignored or
// refused as docs/loaders.md says, and every refusal names its reason.
#include "kernel/virt/loader/multiboot2_loader.hpp"

#include <gtest/gtest.h>

#include "host-tests/kernel/virt/loader/loader_test_vm.hpp"
#include "host-tests/support/acpi_builder.hpp"
#include "host-tests/support/elf_builder.hpp"
#include "kernel/boot_info/multiboot2.hpp"
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
using test::Mb2HeaderBuilder;
using test::pattern;

constexpr u32 kText = 0x100000, kData = 0x101000;
constexpr u64 kRsdpGpa = 0xE0000;

ElfBuilder kernel(bool is64, const Mb2HeaderBuilder& header = Mb2HeaderBuilder()) {
  ElfBuilder b(is64);
  b.entry(kText + 0x8).segment(kText, pattern(0x200)).segment(kData, pattern(0x20, 4), 0x800);
  b.multiboot_header(header.build());
  return b;
}

struct Load {
  LoaderVm guest;
  ImageBytes image;
  LoadDiagnostic diag;
  Result<LoadedGuest> result = make_error(Status::ok, "");
  mb2::BootInfo info;
  Error parsed = make_error(Status::not_found, "not loaded");

  explicit Load(ImageBytes img, Span<const GuestModule> modules = {}, const ImageBytes& rsdp = {},
                const char* cmdline = "quiet")
      : image(std::move(img)) {
    std::copy(rsdp.begin(), rsdp.end(), guest.ram.begin() + kRsdpGpa);
    LoadRequest r;
    r.image = test::image_view(image);
    r.cmdline = cmdline;
    r.modules = modules;
    r.rsdp_gpa = rsdp.empty() ? 0 : kRsdpGpa;
    result = loader::load_multiboot2(guest.vm, r, &diag);
    if (result.ok()) {
      const u64 at = result->entry.ebx;
      parsed = mb2::parse(Bytes(guest.ram.data() + at, loader::kBootInfoEnd - at), at, info);
    }
  }
  std::string message() const { return test::load_message(result.error(), diag); }
};

std::string str(Str s) { return std::string(s.data(), s.size()); }

TEST(Multiboot2Loader, GivenAnElf32KernelWhenLoadedThenSegmentsLandAndTheEntryStateIsMultiboot2) {
  const Load l(kernel(false).build());
  ASSERT_TRUE(l.result.ok()) << l.message();
  EXPECT_EQ(l.guest.bytes_at(kText, 0x200), pattern(0x200));
  EXPECT_EQ(l.guest.bytes_at(kData, 0x20), pattern(0x20, 4));
  for (u64 a = kData + 0x20; a < kData + 0x800; ++a) ASSERT_EQ(l.guest.u8_at(a), 0) << std::hex << a;
  EXPECT_EQ(l.guest.u8_at(kData + 0x800), test::kUntouched);
  EXPECT_EQ(l.result->entry.eip, kText + 0x8);
  EXPECT_EQ(l.result->entry.eax, 0x36D76289u);
  EXPECT_EQ(l.result->entry.ebx, loader::kBootInfoBase);
  EXPECT_EQ(l.result->entry.ebx % 8, 0u);
}

TEST(Multiboot2Loader, GivenAKernelWhenLoadedThenTheBootInformationParsesWithEveryTag) {
  const Load l(kernel(false).build());
  ASSERT_TRUE(l.result.ok()) << l.message();
  ASSERT_TRUE(l.parsed.ok()) << l.parsed.what;
  EXPECT_EQ(l.info.total_size, l.result->info.end - l.result->info.begin);
  EXPECT_EQ(l.guest.u32_at(l.result->entry.ebx + 4), 0u);  // reserved
  EXPECT_EQ(str(l.info.cmdline), "quiet");
  EXPECT_EQ(str(l.info.boot_loader_name), "nucleo");
  ASSERT_TRUE(l.info.has_basic_meminfo);
  EXPECT_EQ(l.info.mem_lower_kib, 639u);
  EXPECT_EQ(l.info.mem_upper_kib, 15u * 1024);
  ASSERT_EQ(l.info.region_count, 4u);
  struct Want {
    u64 base, length;
    u32 type;
  };
  const Want want[] = {{0, 0x9FC00, 1}, {0x9FC00, 0x400, 2}, {0xA0000, 0x60000, 2}, {0x100000, 15 * MiB, 1}};
  for (usize i = 0; i < 4; ++i) {
    EXPECT_EQ(l.info.regions[i].base, want[i].base) << i;
    EXPECT_EQ(l.info.regions[i].length, want[i].length) << i;
    EXPECT_EQ(l.info.regions[i].type, want[i].type) << i;
  }
  EXPECT_EQ(l.info.module_count, 0u);
  EXPECT_TRUE(l.info.acpi_rsdp_v1.empty());
  EXPECT_TRUE(l.info.acpi_rsdp_v2.empty());
  EXPECT_FALSE(l.info.has_framebuffer);
  EXPECT_EQ(l.info.unknown_tags, 0u);
  // The mmap tag itself: entry_size 24, entry_version 0 (the parser accepts any multiple of 8).
  const u64 mbi = l.result->entry.ebx;
  u64 tag = mbi + 8;
  while (l.guest.u32_at(tag) != 6) tag += (l.guest.u32_at(tag + 4) + 7) & ~7u;
  EXPECT_EQ(l.guest.u32_at(tag + 8), 24u);
  EXPECT_EQ(l.guest.u32_at(tag + 12), 0u);
}

TEST(Multiboot2Loader, GivenModulesWhenLoadedThenModuleTagsPointAtPageAlignedCopies) {
  const ImageBytes a = pattern(0x1001, 2), b = pattern(3, 8);
  const GuestModule mods[] = {{"/boot/a", "x=1", Bytes(a.data(), a.size())}, {"b", "", Bytes(b.data(), b.size())}};
  const Load l(kernel(false).build(), Span<const GuestModule>(mods, 2));
  ASSERT_TRUE(l.result.ok()) << l.message();
  ASSERT_TRUE(l.parsed.ok()) << l.parsed.what;
  ASSERT_EQ(l.info.module_count, 2u);
  EXPECT_EQ(l.info.modules[0].start, 0x102000u);  // the kernel ends at 0x101800
  EXPECT_EQ(l.info.modules[0].end, 0x102000u + 0x1001);
  EXPECT_EQ(str(l.info.modules[0].cmdline), "/boot/a x=1");
  EXPECT_EQ(l.info.modules[1].start, 0x104000u);
  EXPECT_EQ(l.info.modules[1].end, 0x104003u);
  EXPECT_EQ(str(l.info.modules[1].cmdline), "b");
  EXPECT_EQ(l.guest.bytes_at(0x102000, a.size()), a);
  EXPECT_EQ(l.guest.bytes_at(0x104000, b.size()), b);
}

TEST(Multiboot2Loader, GivenAnElf64KernelBelow4GiBWhenLoadedThenAccepted) {
  ElfBuilder b(true);
  b.entry(0x200010).segment(0x200000, pattern(0x100)).multiboot_header(Mb2HeaderBuilder().build());
  const Load l(b.build());
  ASSERT_TRUE(l.result.ok()) << l.message();
  EXPECT_EQ(l.guest.bytes_at(0x200000, 0x100), pattern(0x100));
  EXPECT_EQ(l.result->entry.eip, 0x200010u);
}

TEST(Multiboot2Loader, GivenAnElf64HigherHalfKernelWhenLoadedThenTheEntryIsPhysical) {
  ElfBuilder b(true);
  b.entry(0xFFFFFFFF80100040).segment(kText, pattern(0x100), 0, 0xFFFFFFFF80100000);
  b.multiboot_header(Mb2HeaderBuilder().build());
  const Load l(b.build());
  ASSERT_TRUE(l.result.ok()) << l.message();
  EXPECT_EQ(l.result->entry.eip, kText + 0x40);
}

TEST(Multiboot2Loader, GivenAnElf64SegmentAbove4GiBWhenLoadedThenRefused) {
  ElfBuilder b(true);
  b.entry(0x100000000).segment(0x100000000, pattern(0x10)).multiboot_header(Mb2HeaderBuilder().build());
  const Load l(b.build());
  ASSERT_FALSE(l.result.ok());
  EXPECT_EQ(l.message(), "multiboot2: segment extends beyond 4 GiB (segment 0 [0x100000000, 0x100000010))");
}

TEST(Multiboot2Loader, GivenAnAddressTagImageWhenLoadedThenTheRawFileIsLoadedAndEntered) {
  const u32 load = 0x300000;
  const u32 header_at = 0x40;
  ImageBytes header = Mb2HeaderBuilder().address(load + header_at, load, 0, load + 0x2000).entry(load + 0x100).build();
  const ImageBytes image = test::raw_image(header_at, header, 0x100, pattern(0x80));
  const Load l(image);
  ASSERT_TRUE(l.result.ok()) << l.message();
  EXPECT_EQ(l.guest.bytes_at(load, image.size()), image);
  for (u64 a = load + image.size(); a < load + 0x2000; ++a) ASSERT_EQ(l.guest.u8_at(a), 0) << std::hex << a;
  EXPECT_EQ(l.result->entry.eip, load + 0x100);
}

TEST(Multiboot2Loader, GivenAnAddressTagWithLoadAddrMinusOneWhenLoadedThenTheFileLoadsFromItsStart) {
  const u32 header_at = 0x18;
  const ImageBytes header = Mb2HeaderBuilder().address(0x400000 + header_at, 0xFFFFFFFF, 0, 0).entry(0x400000).build();
  const ImageBytes image = test::raw_image(header_at, header, 0x100, pattern(0x40));
  const Load l(image);
  ASSERT_TRUE(l.result.ok()) << l.message();
  EXPECT_EQ(l.guest.bytes_at(0x400000, image.size()), image);
  EXPECT_EQ(l.guest.u8_at(0x3FFFFF), test::kUntouched);
}

TEST(Multiboot2Loader, GivenLoadAddrMinusOneWithAHeaderAddrBelowItsFileOffsetWhenLoadedThenRefused) {
  // The header sits at file offset 0x18 but claims to load at 0x10: the file would start below 0.
  const ImageBytes header = Mb2HeaderBuilder().address(0x10, 0xFFFFFFFF, 0, 0).entry(0x10).build();
  const Load l(test::raw_image(0x18, header, 0x100, pattern(0x40)));
  ASSERT_FALSE(l.result.ok());
  EXPECT_EQ(l.message(), "multiboot2: header_addr is below the header's file offset");
  EXPECT_TRUE(l.guest.all_untouched());
}

TEST(Multiboot2Loader, GivenAnAddressTagWithoutAnEntryTagWhenLoadedThenRefused) {
  const ImageBytes header = Mb2HeaderBuilder().address(0x300000, 0x300000, 0, 0).build();
  const Load l(test::raw_image(0, header, 0x100, pattern(0x40)));
  ASSERT_FALSE(l.result.ok());
  EXPECT_EQ(l.message(), "multiboot2: address tag without an entry address tag");
}

TEST(Multiboot2Loader, GivenAnEntryTagWithAnElfWhenLoadedThenTheTagWins) {
  const Load l(kernel(false, Mb2HeaderBuilder().entry(kData + 0x10)).build());
  ASSERT_TRUE(l.result.ok()) << l.message();
  EXPECT_EQ(l.result->entry.eip, kData + 0x10);
  const Load outside(kernel(false, Mb2HeaderBuilder().entry(0x200000)).build());
  ASSERT_FALSE(outside.result.ok());
  EXPECT_EQ(outside.message(), "multiboot2: entry point is not inside a loaded segment ([0x200000, 0x200001))");
}

TEST(Multiboot2Loader, GivenAnAcpi2RsdpWhenLoadedThenBothRsdpTagsCarryItsBytes) {
  const ImageBytes rsdp = test::rsdp_v2(0x1234, 0x5678);
  const Load l(kernel(false, Mb2HeaderBuilder().info_request({14, 15})).build(), {}, rsdp);
  ASSERT_TRUE(l.result.ok()) << l.message();
  ASSERT_TRUE(l.parsed.ok()) << l.parsed.what;
  ASSERT_EQ(l.info.acpi_rsdp_v2.size(), 36u);
  EXPECT_EQ(ImageBytes(l.info.acpi_rsdp_v2.begin(), l.info.acpi_rsdp_v2.end()), rsdp);
  ASSERT_EQ(l.info.acpi_rsdp_v1.size(), 20u);
  EXPECT_EQ(ImageBytes(l.info.acpi_rsdp_v1.begin(), l.info.acpi_rsdp_v1.end()),
            ImageBytes(rsdp.begin(), rsdp.begin() + 20));
}

TEST(Multiboot2Loader, GivenAnAcpi1RsdpWhenLoadedThenOnlyTheOldRsdpTagIsGiven) {
  const ImageBytes rsdp = test::rsdp_v1(0x1234);
  const Load l(kernel(false).build(), {}, rsdp);
  ASSERT_TRUE(l.result.ok()) << l.message();
  ASSERT_TRUE(l.parsed.ok()) << l.parsed.what;
  EXPECT_EQ(ImageBytes(l.info.acpi_rsdp_v1.begin(), l.info.acpi_rsdp_v1.end()), rsdp);
  EXPECT_TRUE(l.info.acpi_rsdp_v2.empty());
  // ... so a required request for the new RSDP cannot be met.
  const Load v2(kernel(false, Mb2HeaderBuilder().info_request({15})).build(), {}, rsdp);
  EXPECT_FALSE(v2.result.ok());
}

TEST(Multiboot2Loader, GivenABrokenRsdpWhenLoadedThenRefused) {
  ImageBytes bad_sum = test::rsdp_v1(0x1234);
  bad_sum[9] ^= 1;
  EXPECT_EQ(Load(kernel(false).build(), {}, bad_sum).message(),
            "multiboot2: no valid RSDP at the given address ([0xe0000, 0xe0014))");
  ImageBytes bad_length = test::rsdp_v2(1, 2);
  test::put_le(bad_length, 20, 0x10000, 4);
  EXPECT_EQ(Load(kernel(false).build(), {}, bad_length).result.error().status, Status::malformed);
  ImageBytes bad_ext = test::rsdp_v2(1, 2);
  bad_ext[32] ^= 1;
  EXPECT_EQ(Load(kernel(false).build(), {}, bad_ext).result.error().status, Status::malformed);
}

TEST(Multiboot2Loader, GivenInformationRequestsWhenLoadedThenOnlyUnprovidableRequiredOnesAreRefused) {
  EXPECT_TRUE(Load(kernel(false, Mb2HeaderBuilder().info_request({1, 2, 3, 4, 6})).build()).result.ok());
  const Load fb(kernel(false, Mb2HeaderBuilder().info_request({1, 8})).build());
  ASSERT_FALSE(fb.result.ok());
  EXPECT_EQ(fb.message(), "multiboot2: information request asks for a tag nucleo cannot provide (tag 0)");
  EXPECT_EQ(fb.result.error().offset,
            ElfBuilder(false).entry(0).segment(kText, {}).segment(kData, {}).header_offset() + 16 + 12);
  EXPECT_TRUE(Load(kernel(false, Mb2HeaderBuilder().info_request({8, 9, 21}, true)).build()).result.ok());
  EXPECT_FALSE(Load(kernel(false, Mb2HeaderBuilder().info_request({14})).build()).result.ok());  // no RSDP given
}

TEST(Multiboot2Loader, GivenTagsNucleoCanIgnoreWhenLoadedThenAccepted) {
  Mb2HeaderBuilder h;
  h.tag(4, 0, {2})                                    // console flags: EGA text supported, console not required
      .tag(5, 0, {1024, 768, 32})                     // framebuffer preference
      .tag(6, 0, {})                                  // module alignment
      .tag(10, 0, {0x100000, 0x10000000, 0x1000, 0})  // relocatable
      .tag(7, 1, {})                                  // EFI boot services, optional
      .tag(9, 1, {0x100000})                          // EFI amd64 entry, optional
      .tag(42, 1, {7});                               // unknown, optional
  const Load l(kernel(false, h).build());
  ASSERT_TRUE(l.result.ok()) << l.message();
  EXPECT_EQ(l.result->entry.eip, kText + 0x8);
  EXPECT_FALSE(l.info.has_framebuffer);
}

TEST(Multiboot2Loader, GivenRequiredTagsNucleoCannotHonourWhenLoadedThenEachIsRefused) {
  auto refused = [](Mb2HeaderBuilder h) { return Load(kernel(false, h).build()).message(); };
  EXPECT_EQ(refused(Mb2HeaderBuilder().tag(42, 0, {7})),
            "multiboot2: header requires a tag type nucleo does not know (tag 0)");
  EXPECT_EQ(refused(Mb2HeaderBuilder().entry(kText).tag(7, 0, {})),
            "multiboot2: header requires EFI, and the guest has none (tag 1)");
  EXPECT_EQ(refused(Mb2HeaderBuilder().tag(8, 0, {kText})),
            "multiboot2: header requires EFI, and the guest has none (tag 0)");
  EXPECT_EQ(refused(Mb2HeaderBuilder().tag(4, 0, {1})),
            "multiboot2: header requires a console, and nucleo describes none (tag 0)");
  EXPECT_TRUE(Load(kernel(false, Mb2HeaderBuilder().tag(4, 1, {1})).build()).result.ok());
}

TEST(Multiboot2Loader, GivenMalformedHeadersWhenLoadedThenEachIsRefused) {
  auto refused = [](const Mb2HeaderBuilder& h) { return Load(kernel(false, h).build()).message(); };
  EXPECT_EQ(refused(Mb2HeaderBuilder().checksum_delta(1)), "multiboot2: header checksum is wrong");
  EXPECT_EQ(refused(Mb2HeaderBuilder().architecture(4)), "multiboot2: header architecture is not i386 (0)");
  EXPECT_EQ(refused(Mb2HeaderBuilder().no_end_tag().length_delta(0)),
            "multiboot2: header_length is too small for an end tag");
  EXPECT_EQ(refused(Mb2HeaderBuilder().entry(kText).no_end_tag()),
            "multiboot2: header has no end tag within header_length (tag 1)");
  EXPECT_EQ(refused(Mb2HeaderBuilder().raw_tag(3, 0, 4)),
            "multiboot2: header tag size is below 8 or past header_length (tag 0)");
  EXPECT_EQ(refused(Mb2HeaderBuilder().tag(2, 0, {1, 2})), "multiboot2: header tag is too short for its type (tag 0)");
  EXPECT_EQ(refused(Mb2HeaderBuilder().length_delta(0x100000)), "multiboot2: image ends inside the header");
}

TEST(Multiboot2Loader, GivenAHeaderThatIsMisalignedOrTooFarInWhenLoadedThenRefused) {
  const ImageBytes header = Mb2HeaderBuilder().build();
  ImageBytes base = ElfBuilder(false).entry(kText).segment(kText, pattern(0x10)).build();
  ImageBytes misaligned = base;
  misaligned.resize(0x104, 0);  // 4-aligned, not 8-aligned
  misaligned.insert(misaligned.end(), header.begin(), header.end());
  EXPECT_EQ(Load(misaligned).message(), "multiboot2: header is not 8-byte aligned");
  ImageBytes far = base;
  far.resize(32768, 0);
  far.insert(far.end(), header.begin(), header.end());
  EXPECT_EQ(Load(far).message(), "multiboot2: header lies beyond the first 32768 bytes");
  ImageBytes straddles = base;  // the fixed part inside, the end tag beyond 32768
  straddles.resize(32768 - 16, 0);
  straddles.insert(straddles.end(), header.begin(), header.end());
  EXPECT_EQ(Load(straddles).message(), "multiboot2: header extends beyond the first 32768 bytes");
  EXPECT_EQ(Load(base).message(), "multiboot2: no header found (wrong magic)");
}

TEST(Multiboot2Loader, GivenSegmentProblemsWhenLoadedThenRefusedLikeMultiboot1) {
  ElfBuilder hole = kernel(true);
  hole.segment(0xB8000, pattern(0x10));
  EXPECT_EQ(Load(hole.build()).message(), "multiboot2: segment lies in the legacy hole (segment 2 [0xb8000, 0xb8010))");
  ElfBuilder big = kernel(false);
  big.segment(0x200000, pattern(0x10), 0x1000000);
  EXPECT_EQ(Load(big.build()).message(),
            "multiboot2: segment extends past the end of guest RAM (segment 2 [0x200000, 0x1200000))");
  ElfBuilder wraps(true);
  wraps.entry(kText).segment(kText, pattern(0x10)).multiboot_header(Mb2HeaderBuilder().build());
  wraps.segment(0xFFFFFFFFFFFFF000, {}, 0x2000);
  EXPECT_EQ(Load(wraps.build()).message(), "multiboot2: segment wraps around the address space (segment 1)");
}

TEST(Multiboot2Loader, GivenANonElfImageWithoutAnAddressTagWhenLoadedThenRefused) {
  const Load l(test::raw_image(0, Mb2HeaderBuilder().build(), 0x40, pattern(0x10)));
  EXPECT_EQ(l.message(), "multiboot2: image is not ELF and its header has no address tag");
}

TEST(Multiboot2Loader, GivenAnElfForAnotherMachineWhenLoadedThenRefused) {
  ElfBuilder b = kernel(false);
  b.machine(62);  // EM_X86_64 in an ELF32 file
  EXPECT_EQ(Load(b.build()).message(), "multiboot2: ELF machine is not EM_386 (ELF32) or EM_X86_64 (ELF64)");
  ElfBuilder dyn = kernel(true);
  dyn.type(3);  // ET_DYN
  EXPECT_EQ(Load(dyn.build()).message(), "multiboot2: ELF file is not an executable (ET_EXEC)");
}

}  // namespace
}  // namespace nucleo

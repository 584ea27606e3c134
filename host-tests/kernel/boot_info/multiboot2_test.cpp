// SPDX-License-Identifier: MIT
// mb2::parse on synthetic boot information: every tag kind nucleo reads, and
// each way a blob can be malformed (status, message and offset checked).
#include "kernel/boot_info/multiboot2.hpp"

#include "host-tests/support/mb2_builder.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <string>

namespace nucleo {
namespace {

using mb2::TagType;
using test::Mb2Builder;
using test::put_le32;
using test::put_le64;
using test::str;

struct Outcome {
  std::vector<u8> blob;  // owns the bytes the views in info point into
  std::unique_ptr<mb2::BootInfo> info = std::make_unique<mb2::BootInfo>();
  Error error;
};

Outcome parse(std::vector<u8> blob, u64 phys_addr = 0) {
  Outcome o;
  o.blob = std::move(blob);
  o.error = mb2::parse(test::bytes_of(o.blob), phys_addr, *o.info);
  return o;
}

::testing::AssertionResult fails_with(const Error& e, Status status, const std::string& what, u64 offset) {
  if (e.ok()) return ::testing::AssertionFailure() << "parse succeeded";
  if (e.status != status) return ::testing::AssertionFailure() << "status " << status_name(e.status) << ": " << e.what;
  if (std::string(e.what).find(what) == std::string::npos)
    return ::testing::AssertionFailure() << "message '" << e.what << "' does not mention '" << what << "'";
  if (e.offset != offset) return ::testing::AssertionFailure() << "offset " << e.offset << ", expected " << offset;
  return ::testing::AssertionSuccess();
}

TEST(Multiboot2, GivenMinimalBlobWhenParsedThenEmptyInfo) {
  const Outcome o = parse(Mb2Builder().end().build());
  ASSERT_TRUE(o.error.ok()) << o.error.what;
  EXPECT_EQ(o.info->total_size, 16u);
  EXPECT_EQ(o.info->region_count, 0u);
  EXPECT_TRUE(o.info->cmdline.empty());
  EXPECT_FALSE(o.info->has_framebuffer);
}

TEST(Multiboot2, GivenAllUsefulTagsWhenParsedThenEachFieldIsFilled) {
  std::vector<u8> fb;
  put_le64(fb, 0xfd000000);
  for (u32 v : {4096u, 1024u, 768u}) put_le32(fb, v);
  fb.push_back(32);  // bpp
  fb.push_back(static_cast<u8>(mb2::FramebufferType::rgb));
  for (int v : {0, 0, 16, 8, 8, 8, 0, 8}) fb.push_back(static_cast<u8>(v));  // reserved u16, then red, green, blue (position, size)
  std::vector<u8> efi_mmap;
  put_le32(efi_mmap, 48);
  put_le32(efi_mmap, 1);
  efi_mmap.resize(8 + 96, 0xAB);
  std::vector<u8> meminfo, efi64, efi32, base;
  put_le32(meminfo, 639);
  put_le32(meminfo, 130048);
  put_le64(efi64, 0x7fe8f018);
  put_le32(efi32, 0x7ff00000);
  put_le32(base, 0x200000);
  const Outcome o = parse(Mb2Builder()
                              .cmdline("a=1 b")
                              .string_tag(TagType::boot_loader_name, "GRUB 2.12")
                              .tag(TagType::basic_meminfo, meminfo)
                              .tag(TagType::framebuffer, fb)
                              .tag(TagType::efi64_system_table, efi64)
                              .tag(TagType::efi32_system_table, efi32)
                              .tag(TagType::efi_mmap, efi_mmap)
                              .tag(TagType::efi_boot_services, {})
                              .tag(TagType::load_base_addr, base)
                              .module(0x400000, 0x401000, "initrd quiet")
                              .end()
                              .build());
  ASSERT_TRUE(o.error.ok()) << o.error.what;
  const mb2::BootInfo& info = *o.info;
  EXPECT_EQ(str(info.cmdline), "a=1 b");
  EXPECT_EQ(str(info.boot_loader_name), "GRUB 2.12");
  EXPECT_TRUE(info.has_basic_meminfo);
  EXPECT_EQ(info.mem_lower_kib, 639u);
  EXPECT_EQ(info.mem_upper_kib, 130048u);
  ASSERT_TRUE(info.has_framebuffer);
  EXPECT_EQ(info.framebuffer.address, 0xfd000000u);
  EXPECT_EQ(info.framebuffer.pitch, 4096u);
  EXPECT_EQ(info.framebuffer.width, 1024u);
  EXPECT_EQ(info.framebuffer.height, 768u);
  EXPECT_TRUE(info.framebuffer.has_rgb_fields);
  EXPECT_EQ(info.framebuffer.red.position, 16u);
  EXPECT_EQ(info.framebuffer.green.position, 8u);
  EXPECT_EQ(info.framebuffer.blue.size, 8u);
  EXPECT_EQ(info.framebuffer.bpp, 32u);
  EXPECT_EQ(info.framebuffer.type, 1u);
  EXPECT_EQ(info.efi64_system_table, 0x7fe8f018u);
  EXPECT_EQ(info.efi32_system_table, 0x7ff00000u);
  EXPECT_TRUE(info.booted_by_efi());
  EXPECT_EQ(info.efi_descriptor_size, 48u);
  EXPECT_EQ(info.efi_descriptor_version, 1u);
  ASSERT_EQ(info.efi_mmap.size(), 96u);
  EXPECT_EQ(info.efi_mmap[0], 0xAB);
  EXPECT_TRUE(info.efi_boot_services_active);
  EXPECT_TRUE(info.has_load_base);
  EXPECT_EQ(info.load_base, 0x200000u);
  ASSERT_EQ(info.module_count, 1u);
  EXPECT_EQ(info.modules[0].start, 0x400000u);
  EXPECT_EQ(info.modules[0].end, 0x401000u);
  EXPECT_EQ(str(info.modules[0].cmdline), "initrd quiet");
  EXPECT_EQ(info.unknown_tags, 0u);
}

TEST(Multiboot2, GivenUnknownAndUnneededTagsWhenParsedThenSkippedAndOnlyUnknownCounted) {
  const Outcome o = parse(Mb2Builder()
                              .tag(22, {1, 2, 3})           // a future tag
                              .tag(TagType::elf_sections, {0, 0, 0, 0})
                              .tag(0x12345678, std::vector<u8>(40, 0xFF))
                              .tag(TagType::apm, {})
                              .cmdline("after")
                              .end()
                              .build());
  ASSERT_TRUE(o.error.ok()) << o.error.what;
  EXPECT_EQ(o.info->unknown_tags, 2u);
  EXPECT_EQ(str(o.info->cmdline), "after");  // parsing went on past them
}

TEST(Multiboot2, GivenStringsWithoutOrWithEmbeddedNulWhenParsedThenBoundedByTheTag) {
  Outcome o = parse(Mb2Builder().tag(TagType::cmdline, {'n', 'o', 'n', 'u', 'l'}).end().build());
  ASSERT_TRUE(o.error.ok()) << o.error.what;
  EXPECT_EQ(str(o.info->cmdline), "nonul");
  o = parse(Mb2Builder().tag(TagType::cmdline, {'a', 0, 'b', 0}).tag(TagType::boot_loader_name, {}).end().build());
  ASSERT_TRUE(o.error.ok()) << o.error.what;
  EXPECT_EQ(str(o.info->cmdline), "a");
  EXPECT_TRUE(o.info->boot_loader_name.empty());
}

TEST(Multiboot2, GivenMemoryMapWhenParsedThenZeroLengthSkippedAndLargerEntriesStrided) {
  Outcome o = parse(Mb2Builder().mmap({{0, 0x9fc00, 1}, {0x9fc00, 0, 2}, {0x100000, 0x7f00000, 1}}).end().build());
  ASSERT_TRUE(o.error.ok()) << o.error.what;
  ASSERT_EQ(o.info->region_count, 2u);
  EXPECT_EQ(o.info->regions[1].base, 0x100000u);
  EXPECT_EQ(o.info->regions[1].end(), 0x8000000u);
  EXPECT_TRUE(o.info->regions[1].is(mb2::MemoryType::available));

  // A future loader with 32-byte entries: nucleo reads the first 20 bytes of each.
  o = parse(Mb2Builder().mmap({{0x1000, 0x2000, 3}, {0x5000, 0x1000, 4}}, 32).end().build());
  ASSERT_TRUE(o.error.ok()) << o.error.what;
  ASSERT_EQ(o.info->region_count, 2u);
  EXPECT_EQ(o.info->regions[1].base, 0x5000u);
  EXPECT_EQ(o.info->regions[1].type, 4u);
}

TEST(Multiboot2, GivenMoreRegionsThanFitWhenParsedThenExtraAreDroppedAndCounted) {
  std::vector<Mb2Builder::Entry> entries;
  for (u64 i = 0; i < mb2::BootInfo::kMaxRegions + 3; ++i) entries.push_back({i * 0x1000, 0x1000, 1});
  const Outcome o = parse(Mb2Builder().mmap(entries).end().build());
  ASSERT_TRUE(o.error.ok()) << o.error.what;
  EXPECT_EQ(o.info->region_count, mb2::BootInfo::kMaxRegions);
  EXPECT_EQ(o.info->regions_dropped, 3u);
  EXPECT_EQ(o.info->regions[mb2::BootInfo::kMaxRegions - 1].base, (mb2::BootInfo::kMaxRegions - 1) * 0x1000);
}

TEST(Multiboot2, GivenMoreModulesThanFitWhenParsedThenExtraAreDroppedAndCounted) {
  Mb2Builder b;
  for (u32 i = 0; i < mb2::BootInfo::kMaxModules + 2; ++i) b.module(i * 0x1000, i * 0x1000 + 0x800, "m");
  const Outcome o = parse(b.end().build());
  ASSERT_TRUE(o.error.ok()) << o.error.what;
  EXPECT_EQ(o.info->module_count, mb2::BootInfo::kMaxModules);
  EXPECT_EQ(o.info->modules_dropped, 2u);
}

TEST(Multiboot2, GivenBadHeaderOrPlacementWhenParsedThenRefused) {
  const std::vector<u8> good = Mb2Builder().end().build();
  EXPECT_TRUE(fails_with(parse(good, 4).error, Status::malformed, "8-byte aligned", 0));
  EXPECT_TRUE(parse(good, 0x10008).error.ok());
  EXPECT_TRUE(fails_with(parse({0x10, 0, 0, 0}).error, Status::truncated, "8-byte header", 0));
  EXPECT_TRUE(fails_with(parse(Mb2Builder().end().build(12)).error, Status::malformed, "too small", 0));
  EXPECT_TRUE(fails_with(parse(Mb2Builder().end().build(24)).error, Status::truncated, "exceeds the available", 0));
  // Bytes after total_size are not looked at.
  std::vector<u8> longer = good;
  longer.resize(64, 0xEE);
  EXPECT_TRUE(parse(longer).error.ok());
}

TEST(Multiboot2, GivenBrokenTagFramingWhenParsedThenTheBadTagIsNamed) {
  Mb2Builder b;
  b.cmdline("x");
  const usize bad = b.offset();
  // Size below the 8-byte header.
  EXPECT_TRUE(fails_with(parse(Mb2Builder(b).raw_tag(1, 4, {}).end().build()).error, Status::malformed,
                         "smaller than its header", bad));
  // Size pointing past total_size, including a huge one that would wrap.
  EXPECT_TRUE(fails_with(parse(Mb2Builder(b).raw_tag(1, 64, {}).end().build()).error, Status::truncated,
                         "extends past total_size", bad));
  EXPECT_TRUE(fails_with(parse(Mb2Builder(b).raw_tag(1, 0xFFFFFFF8u, {}).end().build()).error, Status::truncated,
                         "extends past total_size", bad));
  // Header cut by total_size: only 4 of its 8 bytes are inside.
  const std::vector<u8> cut = Mb2Builder(b).end().build(static_cast<u32>(bad + 4));
  EXPECT_TRUE(fails_with(parse(cut).error, Status::truncated, "without an end tag", bad));
  // No end tag at all.
  EXPECT_TRUE(fails_with(parse(Mb2Builder(b).build()).error, Status::truncated, "without an end tag", bad));
  // End tag of the wrong size.
  EXPECT_TRUE(fails_with(parse(Mb2Builder(b).raw_tag(0, 16, std::vector<u8>(8)).build()).error,
                         Status::malformed, "end tag size", bad));
}

TEST(Multiboot2, GivenAnErrorWhenParsedThenEarlierTagsAreKeptAndAReparseStartsClean) {
  auto info = std::make_unique<mb2::BootInfo>();
  const std::vector<u8> broken = Mb2Builder().cmdline("first").raw_tag(6, 12, {24, 0, 0, 0}).end().build();
  EXPECT_FALSE(mb2::parse(test::bytes_of(broken), 0, *info).ok());
  EXPECT_EQ(str(info->cmdline), "first");
  const std::vector<u8> other = Mb2Builder().mmap({{0, 0x1000, 1}}).end().build();
  ASSERT_TRUE(mb2::parse(test::bytes_of(other), 0, *info).ok());
  EXPECT_TRUE(info->cmdline.empty());
  EXPECT_EQ(info->region_count, 1u);
}

TEST(Multiboot2, GivenBadMemoryMapWhenParsedThenRefusedWithTheTagOrEntryOffset) {
  Mb2Builder b;
  b.cmdline("x");
  const usize at = b.offset();
  EXPECT_TRUE(fails_with(parse(Mb2Builder(b).tag(TagType::mmap, {24, 0, 0, 0}).end().build()).error,
                         Status::truncated, "memory map tag shorter", at));
  for (u32 size : {0u, 16u, 20u, 28u, 36u}) {
    SCOPED_TRACE(size);
    std::vector<u8> body;
    put_le32(body, size);
    put_le32(body, 0);
    body.resize(8 + 48, 0);
    EXPECT_TRUE(fails_with(parse(Mb2Builder(b).tag(TagType::mmap, body).end().build()).error, Status::malformed,
                           "entry size", at));
  }
  // The second entry wraps around the address space: its own offset is reported.
  const std::vector<u8> wraps = Mb2Builder(b).mmap({{0, 0x1000, 1}, {0xFFFFFFFFFFFFF000, 0x2000, 2}}).end().build();
  EXPECT_TRUE(fails_with(parse(wraps).error, Status::malformed, "wraps", at + 16 + 24));
  // Ending exactly at 2^64 - 1 is fine.
  EXPECT_TRUE(parse(Mb2Builder().mmap({{0xFFFFFFFFFFFFF000, 0xFFF, 2}}).end().build()).error.ok());
}

TEST(Multiboot2, GivenTooShortFixedTagsWhenParsedThenEachIsRefusedAsTruncated) {
  struct Case {
    TagType type;
    usize body;
    const char* what;
  };
  const Case cases[] = {
      {TagType::module, 7, "module tag"},         {TagType::basic_meminfo, 7, "basic memory"},
      {TagType::framebuffer, 21, "framebuffer"},  {TagType::acpi_old_rsdp, 19, "ACPI 1.0 RSDP"},
      {TagType::acpi_new_rsdp, 35, "ACPI 2.0 RSDP"}, {TagType::efi32_system_table, 3, "EFI32"},
      {TagType::efi64_system_table, 7, "EFI64"},  {TagType::efi_mmap, 7, "EFI memory map"},
      {TagType::load_base_addr, 3, "load base"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.what);
    Mb2Builder b;
    b.cmdline("keep");
    const usize at = b.offset();
    EXPECT_TRUE(fails_with(parse(b.tag(c.type, std::vector<u8>(c.body)).end().build()).error, Status::truncated,
                           c.what, at));
    // One byte more is enough.
    EXPECT_TRUE(parse(Mb2Builder().tag(c.type, std::vector<u8>(c.body + 1)).end().build()).error.ok());
  }
}

TEST(Multiboot2, GivenModuleEndingBeforeItStartsWhenParsedThenRefused) {
  Mb2Builder b;
  b.module(0x1000, 0x2000, "ok");
  const usize at = b.offset();
  const Outcome o = parse(b.module(0x3000, 0x2fff, "bad").end().build());
  EXPECT_TRUE(fails_with(o.error, Status::malformed, "ends before it starts", at));
  EXPECT_EQ(o.info->module_count, 1u);
  // An empty module (end == start) is allowed.
  EXPECT_TRUE(parse(Mb2Builder().module(0x3000, 0x3000, "").end().build()).error.ok());
}

TEST(Multiboot2, GivenMemoryTypesWhenNamedThenEachHasItsName) {
  EXPECT_STREQ(mb2::memory_type_name(1), "available");
  EXPECT_STREQ(mb2::memory_type_name(2), "reserved");
  EXPECT_STREQ(mb2::memory_type_name(3), "ACPI reclaimable");
  EXPECT_STREQ(mb2::memory_type_name(4), "ACPI NVS");
  EXPECT_STREQ(mb2::memory_type_name(5), "bad");
  EXPECT_STREQ(mb2::memory_type_name(0), "unknown");
  EXPECT_STREQ(mb2::memory_type_name(20), "unknown");
}

}  // namespace
}  // namespace nucleo

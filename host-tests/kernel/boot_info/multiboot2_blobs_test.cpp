// SPDX-License-Identifier: MIT
// mb2::parse on boot information captured from real boots through GRUB 2.06
// (host-tests/data/mbi_*.bin). Expected values were decoded by hand (xxd).
#include "host-tests/support/mb2_builder.hpp"
#include "kernel/acpi/tables.hpp"
#include "kernel/boot_info/cmdline.hpp"
#include "kernel/boot_info/multiboot2.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <tuple>
#include <vector>

namespace nucleo {
namespace {

using test::str;
using Region = std::tuple<u64, u64, u32>;  // base, length, type

struct Parsed {
  std::vector<u8> blob;
  std::unique_ptr<mb2::BootInfo> info = std::make_unique<mb2::BootInfo>();
  Error error;
};

Parsed parse_data_file(const std::string& name, u64 phys_addr = 0x10000) {
  Parsed p;
  p.blob = test::read_file(std::string(NUCLEO_TEST_DATA) + "/" + name);
  p.error = mb2::parse(test::bytes_of(p.blob), phys_addr, *p.info);
  return p;
}

std::vector<Region> regions_of(const mb2::BootInfo& info) {
  std::vector<Region> out;
  for (usize i = 0; i < info.region_count; ++i)
    out.emplace_back(info.regions[i].base, info.regions[i].length, info.regions[i].type);
  return out;
}

// What GRUB 2.06 puts in every capture here.
void expect_grub_common(const mb2::BootInfo& info) {
  Str value;
  ASSERT_TRUE(Cmdline(info.cmdline).value("dump", value));
  EXPECT_EQ(str(value), "mbi");
  EXPECT_TRUE(info.boot_loader_name.starts_with("GRUB"));
  EXPECT_EQ(str(info.boot_loader_name), "GRUB 2.06-13+deb12u2");
  EXPECT_TRUE(info.has_load_base);
  EXPECT_EQ(info.load_base, 0x100000u);
  EXPECT_EQ(info.module_count, 0u);
  EXPECT_EQ(info.regions_dropped, 0u);
  EXPECT_EQ(info.unknown_tags, 0u);  // apm, bootdev, elf_sections are known tags
}

TEST(Multiboot2Blob, GivenQemuPc256MWhenParsedThenEveryFieldMatchesTheCapture) {
  const Parsed p = parse_data_file("mbi_qemu_pc_256m.bin");
  ASSERT_EQ(p.blob.size(), 1784u) << "missing or changed data file";
  ASSERT_TRUE(p.error.ok()) << p.error.what << " at " << p.error.offset;
  const mb2::BootInfo& info = *p.info;

  EXPECT_EQ(info.total_size, 1784u);
  expect_grub_common(info);
  EXPECT_EQ(str(info.cmdline), "loglevel=info dump=mbi");
  Str level;
  ASSERT_TRUE(Cmdline(info.cmdline).value("loglevel", level));
  EXPECT_EQ(str(level), "info");
  const std::vector<Region> expected = {
      {0x0, 0x9fc00, 1},           {0x9fc00, 0x400, 2},     {0xf0000, 0x10000, 2},
      {0x100000, 0xfee0000, 1},    {0xffe0000, 0x20000, 2}, {0xfffc0000, 0x40000, 2},
      {0xfd00000000, 0x300000000, 2},
  };
  EXPECT_EQ(regions_of(info), expected);
  EXPECT_EQ(info.regions[3].end(), 0xffe0000u);
  EXPECT_EQ(info.regions[6].end(), 0x10000000000u);

  EXPECT_TRUE(info.has_basic_meminfo);
  EXPECT_EQ(info.mem_lower_kib, 639u);
  EXPECT_EQ(info.mem_upper_kib, 260992u);

  ASSERT_TRUE(info.has_framebuffer);  // VGA text mode
  EXPECT_EQ(info.framebuffer.address, 0xb8000u);
  EXPECT_EQ(info.framebuffer.pitch, 160u);
  EXPECT_EQ(info.framebuffer.width, 80u);
  EXPECT_EQ(info.framebuffer.height, 25u);
  EXPECT_EQ(info.framebuffer.bpp, 16u);
  EXPECT_EQ(info.framebuffer.type, static_cast<u8>(mb2::FramebufferType::ega_text));

  ASSERT_EQ(info.acpi_rsdp_v1.size(), 20u);  // the tag's body, at offset 0x6d8
  EXPECT_EQ(info.acpi_rsdp_v1.data(), p.blob.data() + 0x6d8);
  EXPECT_TRUE(info.acpi_rsdp_v2.empty());
  const Result<acpi::Rsdp> rsdp = acpi::parse_rsdp(info.acpi_rsdp_v1);
  ASSERT_TRUE(rsdp.ok()) << rsdp.error().what;
  EXPECT_EQ(rsdp->revision, 0u);
  EXPECT_EQ(rsdp->rsdt, 0x0ffe1ad8u);

  EXPECT_FALSE(info.booted_by_efi());
  EXPECT_TRUE(info.efi_mmap.empty());
  EXPECT_FALSE(info.efi_boot_services_active);
}

TEST(Multiboot2Blob, GivenQemuQ35512MWhenParsedThenEveryFieldMatchesTheCapture) {
  const Parsed p = parse_data_file("mbi_qemu_q35_512m.bin");
  if (p.blob.empty()) GTEST_SKIP() << "mbi_qemu_q35_512m.bin not present";
  ASSERT_TRUE(p.error.ok()) << p.error.what << " at " << p.error.offset;
  const mb2::BootInfo& info = *p.info;

  EXPECT_EQ(info.total_size, 1832u);
  expect_grub_common(info);
  EXPECT_EQ(str(info.cmdline), "loglevel=info dump=mbi");
  const std::vector<Region> expected = {
      {0x0, 0x9fc00, 1},          {0x9fc00, 0x400, 2},         {0xf0000, 0x10000, 2},
      {0x100000, 0x1fedf000, 1},  {0x1ffdf000, 0x21000, 2},    {0xb0000000, 0x10000000, 2},  // MMCONFIG
      {0xfed1c000, 0x4000, 2},    {0xfffc0000, 0x40000, 2},    {0xfd00000000, 0x300000000, 2},
  };
  EXPECT_EQ(regions_of(info), expected);
  EXPECT_EQ(info.mem_lower_kib, 639u);
  EXPECT_EQ(info.mem_upper_kib, 523132u);
  EXPECT_TRUE(info.has_framebuffer);
  EXPECT_EQ(info.framebuffer.width, 80u);

  const Result<acpi::Rsdp> rsdp = acpi::parse_rsdp(info.acpi_rsdp_v1);
  ASSERT_TRUE(rsdp.ok()) << rsdp.error().what;
  EXPECT_EQ(rsdp->revision, 0u);
  EXPECT_EQ(rsdp->rsdt, 0x1ffe22e1u);
  EXPECT_TRUE(info.acpi_rsdp_v2.empty());
  EXPECT_FALSE(info.booted_by_efi());
}

TEST(Multiboot2Blob, GivenOvmf256MWhenParsedThenUefiTagsAndBothRsdpsAreThere) {
  const Parsed p = parse_data_file("mbi_ovmf_256m.bin");
  if (p.blob.empty()) GTEST_SKIP() << "mbi_ovmf_256m.bin not present";
  ASSERT_TRUE(p.error.ok()) << p.error.what << " at " << p.error.offset;
  const mb2::BootInfo& info = *p.info;

  EXPECT_EQ(info.total_size, 7800u);
  expect_grub_common(info);
  EXPECT_EQ(str(info.cmdline), "loglevel=info dump=mbi");
  const std::vector<Region> expected = {
      {0x0, 0xa0000, 1},           {0x100000, 0x700000, 1},    {0x800000, 0x8000, 4},
      {0x808000, 0x3000, 1},       {0x80b000, 0x1000, 4},      {0x80c000, 0x4000, 1},
      {0x810000, 0xf0000, 4},      {0x900000, 0xe1bb000, 1},   {0xeabb000, 0xc1000, 2},
      {0xeb7c000, 0x971000, 1},    {0xf4ed000, 0x100000, 2},   {0xf5ed000, 0x100000, 20},  // kept raw
      {0xf6ed000, 0x80000, 2},     {0xf76d000, 0x12000, 3},    {0xf77f000, 0x80000, 4},
      {0xf7ff000, 0x759000, 1},    {0xff58000, 0x20000, 2},    {0xff78000, 0x88000, 4},
  };
  EXPECT_EQ(regions_of(info), expected);
  EXPECT_STREQ(mb2::memory_type_name(info.regions[11].type), "unknown");
  EXPECT_EQ(info.mem_lower_kib, 640u);
  EXPECT_EQ(info.mem_upper_kib, 7168u);
  EXPECT_FALSE(info.has_framebuffer);

  EXPECT_TRUE(info.booted_by_efi());
  EXPECT_EQ(info.efi64_system_table, 0xf5ec018u);
  EXPECT_EQ(info.efi32_system_table, 0u);
  EXPECT_FALSE(info.efi_boot_services_active);  // GRUB exited boot services
  EXPECT_EQ(info.efi_descriptor_size, 48u);
  EXPECT_EQ(info.efi_descriptor_version, 1u);
  EXPECT_EQ(info.efi_mmap.size(), 5760u);  // 120 descriptors
  EXPECT_EQ(info.efi_mmap.data(), p.blob.data() + 0x7e0 + 16);

  const Result<acpi::Rsdp> v1 = acpi::parse_rsdp(info.acpi_rsdp_v1);
  ASSERT_TRUE(v1.ok()) << v1.error().what;
  EXPECT_EQ(v1->revision, 0u);
  EXPECT_EQ(v1->rsdt, 0x0f77d000u);
  ASSERT_EQ(info.acpi_rsdp_v2.size(), 36u);
  const Result<acpi::Rsdp> v2 = acpi::parse_rsdp(info.acpi_rsdp_v2);
  ASSERT_TRUE(v2.ok()) << v2.error().what;
  EXPECT_EQ(v2->revision, 2u);
  EXPECT_EQ(v2->rsdt, 0x0f77d074u);
  EXPECT_EQ(v2->xsdt, 0x0f77d0e8u);
}

TEST(Multiboot2Blob, GivenBochs256MWhenParsedThenEveryFieldMatchesTheCapture) {
  const Parsed p = parse_data_file("mbi_bochs_256m.bin");
  if (p.blob.empty()) GTEST_SKIP() << "mbi_bochs_256m.bin not present";
  ASSERT_TRUE(p.error.ok()) << p.error.what << " at " << p.error.offset;
  const mb2::BootInfo& info = *p.info;

  EXPECT_EQ(info.total_size, 1752u);
  expect_grub_common(info);
  EXPECT_EQ(str(info.cmdline), "dump=mbi");
  const std::vector<Region> expected = {
      {0x0, 0x9f000, 1},        {0x9f000, 0x1000, 2},      {0xe8000, 0x18000, 2},
      {0x100000, 0xfef0000, 1}, {0xfff0000, 0x10000, 3},   {0xfffc0000, 0x40000, 2},
  };
  EXPECT_EQ(regions_of(info), expected);
  EXPECT_TRUE(info.regions[4].is(mb2::MemoryType::acpi_reclaimable));
  EXPECT_EQ(info.mem_lower_kib, 636u);
  EXPECT_EQ(info.mem_upper_kib, 261056u);
  ASSERT_TRUE(info.has_framebuffer);
  EXPECT_EQ(info.framebuffer.type, static_cast<u8>(mb2::FramebufferType::ega_text));

  const Result<acpi::Rsdp> rsdp = acpi::parse_rsdp(info.acpi_rsdp_v1);
  ASSERT_TRUE(rsdp.ok()) << rsdp.error().what;
  EXPECT_EQ(rsdp->revision, 0u);
  EXPECT_EQ(rsdp->rsdt, 0x0fff0000u);  // inside the ACPI reclaimable region
  EXPECT_TRUE(info.acpi_rsdp_v2.empty());
  EXPECT_FALSE(info.booted_by_efi());
}

// Whatever captures exist (more may be added): each parses, uses its whole
// declared size, and every region is sane.
TEST(Multiboot2Blob, GivenEveryCaptureInTheDataDirWhenParsedThenItIsAcceptedWhole) {
  int seen = 0;
  for (const auto& entry : std::filesystem::directory_iterator(NUCLEO_TEST_DATA)) {
    const std::string name = entry.path().filename().string();
    if (name.rfind("mbi_", 0) != 0 || entry.path().extension() != ".bin") continue;
    SCOPED_TRACE(name);
    ++seen;
    const Parsed p = parse_data_file(name);
    ASSERT_TRUE(p.error.ok()) << p.error.what << " at " << p.error.offset;
    EXPECT_EQ(p.info->total_size, p.blob.size());
    EXPECT_GT(p.info->region_count, 0u);
    EXPECT_TRUE(p.info->boot_loader_name.starts_with("GRUB"));
    EXPECT_FALSE(p.info->acpi_rsdp_v1.empty() && p.info->acpi_rsdp_v2.empty()) << "no RSDP tag";
    for (usize i = 0; i < p.info->region_count; ++i) EXPECT_GE(p.info->regions[i].end(), p.info->regions[i].base);
    // Not 8-byte aligned: refused whatever the content.
    EXPECT_EQ(parse_data_file(name, 0x10004).error.status, Status::malformed);
  }
  EXPECT_GE(seen, 1);
}

TEST(Multiboot2Blob, GivenTheQemuCaptureCutShortWhenParsedThenTruncatedIsReported) {
  std::vector<u8> blob = test::read_file(std::string(NUCLEO_TEST_DATA) + "/mbi_qemu_pc_256m.bin");
  ASSERT_EQ(blob.size(), 1784u);
  blob.resize(1000);  // total_size still says 1784
  auto info = std::make_unique<mb2::BootInfo>();
  const Error e = mb2::parse(test::bytes_of(blob), 0, *info);
  EXPECT_EQ(e.status, Status::truncated);
  EXPECT_TRUE(Str(e.what).starts_with("boot information total_size exceeds"));
}

}  // namespace
}  // namespace nucleo

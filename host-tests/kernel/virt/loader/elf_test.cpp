// SPDX-License-Identifier: MIT
// ELF program-header parsing (kernel/virt/loader/elf.cpp): PT_LOAD
// segments of ELF32 and ELF64 files, and the refusal of bad identification,
// type, machine and program header tables.
#include "kernel/virt/loader/elf.hpp"

#include <gtest/gtest.h>

#include "host-tests/support/elf_builder.hpp"

namespace nucleo::loader {
namespace {

using test::ElfBuilder;
using test::ImageBytes;
using test::pattern;

Error parse(const ImageBytes& image, ElfImage& out) {
  LoadDiagnostic diag;
  return parse_elf(test::image_view(image), out, diag);
}

TEST(Elf, GivenElf32And64FilesWhenParsedThenLoadSegmentsAreListedAndOthersSkipped) {
  for (bool is64 : {false, true}) {
    ElfBuilder b(is64);
    b.entry(0x100004).segment(0x100000, pattern(0x40), 0x80, 0xC0100000);
    ElfBuilder::Segment note;
    note.type = 4;  // PT_NOTE
    note.data = pattern(8);
    b.add(note);
    b.segment(0x200000, {}, 0);  // p_memsz 0: nothing to load
    b.segment(0x300000, {}, 0x1000);
    const ImageBytes image = b.build();
    ElfImage elf;
    ASSERT_TRUE(parse(image, elf).ok()) << is64;
    EXPECT_EQ(elf.is_64, is64);
    EXPECT_EQ(elf.entry, 0x100004u);
    ASSERT_EQ(elf.segment_count, 2u);
    EXPECT_EQ(elf.segments[0].index, 0u);
    EXPECT_EQ(elf.segments[0].paddr, 0x100000u);
    EXPECT_EQ(elf.segments[0].vaddr, 0xC0100000u);
    EXPECT_EQ(elf.segments[0].file_size, 0x40u);
    EXPECT_EQ(elf.segments[0].mem_size, 0x80u);
    EXPECT_EQ(ImageBytes(image.begin() + static_cast<std::ptrdiff_t>(elf.segments[0].file_offset),
                         image.begin() + static_cast<std::ptrdiff_t>(elf.segments[0].file_offset + 0x40)),
              pattern(0x40));
    EXPECT_EQ(elf.segments[1].index, 3u);
    EXPECT_EQ(elf.segments[1].file_size, 0u);
  }
}

TEST(Elf, GivenBrokenIdentificationWhenParsedThenEachIsRefused) {
  const ImageBytes good = ElfBuilder(false).entry(0x100000).segment(0x100000, pattern(4)).build();
  ElfImage elf;
  ASSERT_TRUE(parse(good, elf).ok());
  struct Case {
    usize at;
    u8 value;
    const char* what;
  };
  const Case cases[] = {{0, 0x7E, "image is not an ELF file"},
                        {4, 3, "ELF class is neither 32- nor 64-bit"},
                        {5, 2, "ELF file is not little-endian"},
                        {6, 0, "ELF version is not 1"}};
  for (const Case& c : cases) {
    ImageBytes bad = good;
    bad[c.at] = c.value;
    EXPECT_STREQ(parse(bad, elf).what, c.what);
  }
  EXPECT_EQ(parse(ImageBytes(good.begin(), good.begin() + 10), elf).status, Status::truncated);
  EXPECT_EQ(parse(ImageBytes(good.begin(), good.begin() + 40), elf).status, Status::truncated);
  // An ELF64 identification on a file cut to the ELF32 header size.
  ImageBytes cut64 = ElfBuilder(true).entry(0).segment(0x100000, pattern(4)).build();
  cut64.resize(60);
  EXPECT_STREQ(parse(cut64, elf).what, "ELF header is truncated");
}

TEST(Elf, GivenBadProgramHeaderTablesWhenParsedThenRefused) {
  ElfImage elf;
  ImageBytes none = ElfBuilder(false).entry(0).build();
  EXPECT_STREQ(parse(none, elf).what, "ELF file has no program headers");
  ImageBytes small = ElfBuilder(false).entry(0).segment(0x100000, pattern(4)).build();
  test::store_le(small, 42, 16, 2);  // e_phentsize < 32
  EXPECT_STREQ(parse(small, elf).what, "ELF program header size is too small");
  ImageBytes outside = ElfBuilder(false).entry(0).segment(0x100000, pattern(4)).build();
  test::store_le(outside, 28, 0xFFFFFFF0, 4);  // e_phoff near the end of the 32-bit range
  EXPECT_STREQ(parse(outside, elf).what, "ELF program header table lies outside the image");
  ImageBytes only_notes = ElfBuilder(false).entry(0).segment(0x100000, {}, 0).build();
  EXPECT_STREQ(parse(only_notes, elf).what, "ELF file has no loadable segment");
  ElfBuilder many(false);
  for (u64 i = 0; i < 17; ++i) many.segment(0x100000 + i * 0x1000, pattern(4));
  EXPECT_STREQ(parse(many.build(), elf).what, "ELF file has more than 16 loadable segments");
}

}  // namespace
}  // namespace nucleo::loader

// SPDX-License-Identifier: MIT
// The \_S5 AML scan and the BIOS-area RSDP scan.
#include "kernel/acpi/tables.hpp"

#include "host-tests/support/acpi_builder.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <memory>

namespace nucleo::acpi {
namespace {

using test::ByteVec;
using test::FakeMemory;

// A DSDT whose AML is `aml`, behind some unrelated AML so the match is not at 0.
ByteVec dsdt(const ByteVec& aml) {
  ByteVec body = {0x10, 0x05, '_', 'S', 'B', '_', 0x5B};  // Scope(_SB_) prefix noise
  body.insert(body.end(), aml.begin(), aml.end());
  return test::sdt("DSDT", body);
}

Result<SleepType> s5(const ByteVec& aml) {
  const ByteVec t = dsdt(aml);
  return find_s5(Bytes(t.data(), t.size()));
}

::testing::AssertionResult is_sleep_type(const Result<SleepType>& r, u8 a, u8 b) {
  if (!r.ok()) return ::testing::AssertionFailure() << "error: " << r.error().what;
  if (r->a != a || r->b != b)
    return ::testing::AssertionFailure() << "got a=" << int{r->a} << " b=" << int{r->b};
  return ::testing::AssertionSuccess();
}

TEST(AcpiS5, GivenNamedPackageOfBytePrefixesWhenScannedThenSlpTypesAreRead) {
  // Name (_S5, Package (0x04) { 0x05, 0x05, Zero, Zero }) as iasl emits it.
  EXPECT_TRUE(is_sleep_type(s5({0x08, '_', 'S', '5', '_', 0x12, 0x0A, 0x04, 0x0A, 0x05, 0x0A, 0x05, 0x00, 0x00}), 5, 5));
}

TEST(AcpiS5, GivenRootPrefixedNameWhenScannedThenFoundToo) {
  // Name (\_S5, Package (0x04) { 0x07, 0x03, ... }): 08 5C 5F 53 35 5F 12 ...
  EXPECT_TRUE(is_sleep_type(s5({0x08, 0x5C, '_', 'S', '5', '_', 0x12, 0x0A, 0x04, 0x0A, 0x07, 0x0A, 0x03, 0, 0}), 7, 3));
}

TEST(AcpiS5, GivenZeroOpOneOpAndWordPrefixWhenScannedThenEachEncodingIsDecoded) {
  EXPECT_TRUE(is_sleep_type(s5({0x08, '_', 'S', '5', '_', 0x12, 0x06, 0x04, 0x00, 0x01, 0x00, 0x00}), 0, 1));
  EXPECT_TRUE(is_sleep_type(s5({0x08, '_', 'S', '5', '_', 0x12, 0x06, 0x02, 0x01, 0x00}), 1, 0));
  EXPECT_TRUE(is_sleep_type(s5({0x08, '_', 'S', '5', '_', 0x12, 0x08, 0x02, 0x0B, 0x06, 0x01, 0x0A, 0x02}), 6, 2));
}

TEST(AcpiS5, GivenMultiBytePkgLengthWhenScannedThenTheExtraLengthBytesAreSkipped) {
  // PkgLength lead byte 0x41: bits 7:6 = 1 extra byte follows.
  EXPECT_TRUE(is_sleep_type(s5({0x08, '_', 'S', '5', '_', 0x12, 0x41, 0x00, 0x04, 0x0A, 0x05, 0x0A, 0x06}), 5, 6));
  // Three extra bytes (0xC0).
  EXPECT_TRUE(
      is_sleep_type(s5({0x08, '_', 'S', '5', '_', 0x12, 0xC0, 0, 0, 0, 0x02, 0x0A, 0x03, 0x0A, 0x04}), 3, 4));
}

TEST(AcpiS5, GivenSecondElementMissingOrOddWhenScannedThenBDefaultsToZero) {
  EXPECT_TRUE(is_sleep_type(s5({0x08, '_', 'S', '5', '_', 0x12, 0x04, 0x01, 0x0A, 0x05}), 5, 0));
  EXPECT_TRUE(is_sleep_type(s5({0x08, '_', 'S', '5', '_', 0x12, 0x08, 0x02, 0x0A, 0x05, 0x0C, 1, 0, 0, 0}), 5, 0));
}

TEST(AcpiS5, GivenS5ReferencesThatAreNotNamedPackagesWhenScannedThenTheyAreSkipped) {
  // A method call to _S5_ (no NameOp), then a Name(_S5_) that is not a package,
  // then the real one.
  const ByteVec aml = {0x70, '_', 'S', '5', '_', 0x60,                          // Store(_S5_, Local0)
                       0x08, '_', 'S', '5', '_', 0x0A, 0x09,                    // Name(_S5_, 9)
                       0x08, '_', 'S', '5', '_', 0x12, 0x06, 0x02, 0x0C, 1, 2,  // first element a DWord
                       0x08, '_', 'S', '5', '_', 0x12, 0x06, 0x02, 0x0A, 0x02, 0x0A, 0x01};
  EXPECT_TRUE(is_sleep_type(s5(aml), 2, 1));
}

TEST(AcpiS5, GivenNoS5WhenScannedThenNotFound) {
  const Result<SleepType> r = s5({0x08, '_', 'S', '4', '_', 0x12, 0x06, 0x02, 0x0A, 0x05, 0x0A, 0x05});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().status, Status::not_found);
  EXPECT_EQ(find_s5(Bytes()).error().status, Status::not_found);
  // "_S5_" inside the 36-byte header does not count.
  ByteVec t = test::sdt("DSDT", {});
  const ByteVec header_only = {0x08, '_', 'S', '5', '_', 0x12, 0x04, 0x01, 0x0A, 0x05};
  std::copy(header_only.begin(), header_only.end(), t.begin() + 16);
  EXPECT_EQ(find_s5(Bytes(t.data(), t.size())).error().status, Status::not_found);
}

TEST(AcpiS5, GivenAmlCutInsideThePackageWhenScannedThenNoOverreadAndNotFound) {
  const ByteVec full = {0x08, '_', 'S', '5', '_', 0x12, 0x41, 0x00, 0x04, 0x0A, 0x05};
  for (usize cut = 5; cut < full.size(); ++cut) {
    SCOPED_TRACE(cut);
    // Exactly sized heap copy so ASan sees any read past the end.
    const ByteVec t = dsdt(ByteVec(full.begin(), full.begin() + static_cast<long>(cut)));
    const std::unique_ptr<u8[]> exact(new u8[t.size()]);
    std::copy(t.begin(), t.end(), exact.get());
    EXPECT_FALSE(find_s5(Bytes(exact.get(), t.size())).ok());
  }
}

// BIOS memory: a BDA whose EBDA pointer is `ebda_segment`, an EBDA at
// 0x9FC00 and the 0xE0000-0xFFFFF area.
class BiosScan : public ::testing::Test {
 protected:
  void SetUp() override {
    set_ebda_segment(0x9FC0);
    mem_.put(0x9FC00, ByteVec(1024 + 64, 0));  // only the first KiB is scanned
    mem_.put(0xE0000, ByteVec(0x20000, 0));
  }
  void set_ebda_segment(u16 segment) { mem_.put(0x400, {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                                                         static_cast<u8>(segment), static_cast<u8>(segment >> 8)}); }
  void place(u64 phys, const ByteVec& bytes) {
    const u64 base = phys >= 0xE0000 ? 0xE0000 : 0x9FC00;
    std::copy(bytes.begin(), bytes.end(), mem_.at(base).begin() + static_cast<long>(phys - base));
  }
  u64 scan() {
    const Result<u64> r = scan_bios_areas_for_rsdp(mem_);
    return r.ok() ? r.value() : 0;
  }
  FakeMemory mem_;
};

TEST_F(BiosScan, GivenRsdpInTheEbdaWhenScannedThenFoundThereFirst) {
  place(0x9FC20, test::rsdp_v1(0x1000));
  place(0xF5A40, test::rsdp_v1(0x2000));
  EXPECT_EQ(scan(), 0x9FC20u);
}

TEST_F(BiosScan, GivenRsdpInTheBiosAreaWhenScannedThenFound) {
  place(0xF6A80, test::rsdp_v2(0x1000, 0x2000));
  EXPECT_EQ(scan(), 0xF6A80u);
}

TEST_F(BiosScan, GivenRsdpAtTheLastSlotThatFitsWhenScannedThenFound) {
  place(0xFFFE0, test::rsdp_v1(0x1000));
  EXPECT_EQ(scan(), 0xFFFE0u);
}

TEST_F(BiosScan, GivenMisalignedOrCorruptCandidatesWhenScannedThenOnlyTheValidOneCounts) {
  place(0xE0008, test::rsdp_v1(0x1000));  // not on a 16-byte boundary
  ByteVec corrupt = test::rsdp_v1(0x1000);
  corrupt[8] ^= 0xFF;
  place(0xE1000, corrupt);
  place(0x9FC00 + 1008, test::rsdp_v1(0x1000));  // straddles the end of the EBDA KiB
  place(0xE2000, test::rsdp_v1(0x3000));
  EXPECT_EQ(scan(), 0xE2000u);
}

TEST_F(BiosScan, GivenEbdaPointerOutOfRangeWhenScannedThenTheEbdaIsIgnored) {
  place(0x9FC20, test::rsdp_v1(0x1000));
  place(0xE0010, test::rsdp_v1(0x2000));
  set_ebda_segment(0);
  EXPECT_EQ(scan(), 0xE0010u);
  set_ebda_segment(0xA000);  // 0xA0000: VGA, not EBDA
  EXPECT_EQ(scan(), 0xE0010u);
}

TEST_F(BiosScan, GivenNoRsdpAnywhereWhenScannedThenNotFound) {
  const Result<u64> r = scan_bios_areas_for_rsdp(mem_);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().status, Status::not_found);
  FakeMemory nothing;  // nothing readable at all
  EXPECT_EQ(scan_bios_areas_for_rsdp(nothing).error().status, Status::not_found);
}

}  // namespace
}  // namespace nucleo::acpi

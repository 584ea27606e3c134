// SPDX-License-Identifier: MIT
// RSDP parsing, table loading and lookup through RSDT/XSDT, and the FADT.
#include "kernel/acpi/tables.hpp"

#include "host-tests/support/acpi_builder.hpp"

#include <gtest/gtest.h>

#include <string>

namespace nucleo::acpi {
namespace {

using test::ByteVec;
using test::FakeMemory;

Bytes bytes(const ByteVec& v) { return Bytes(v.data(), v.size()); }
bool mentions(const Error& e, const char* what) { return std::string(e.what).find(what) != std::string::npos; }

TEST(AcpiChecksum, GivenBytesWhenSummedThenZeroSumIsValid) {
  const ByteVec good = {0x10, 0xF0, 0x00};
  const ByteVec bad = {0x10, 0xF1};
  EXPECT_TRUE(checksum_ok(bytes(good)));
  EXPECT_FALSE(checksum_ok(bytes(bad)));
  EXPECT_TRUE(checksum_ok(Bytes()));
}

TEST(AcpiRsdp, GivenValidV1WhenParsedThenRsdtAndNoXsdt) {
  ByteVec v = test::rsdp_v1(0x0ffe1ad8);
  v.push_back(0xAA);  // trailing bytes are not part of a 1.0 RSDP
  const Result<Rsdp> r = parse_rsdp(bytes(v));
  ASSERT_TRUE(r.ok()) << r.error().what;
  EXPECT_EQ(r->revision, 0u);
  EXPECT_EQ(r->rsdt, 0x0ffe1ad8u);
  EXPECT_EQ(r->xsdt, 0u);
}

TEST(AcpiRsdp, GivenValidV2WhenParsedThenXsdtIsRead) {
  const Result<Rsdp> r = parse_rsdp(bytes(test::rsdp_v2(0x7fe14c, 0x1'2345'6780)));
  ASSERT_TRUE(r.ok()) << r.error().what;
  EXPECT_EQ(r->revision, 2u);
  EXPECT_EQ(r->rsdt, 0x7fe14cu);
  EXPECT_EQ(r->xsdt, 0x123456780u);
}

TEST(AcpiRsdp, GivenBadSignatureOrChecksumWhenParsedThenMalformed) {
  ByteVec v = test::rsdp_v1(0x1000);
  v[3] = 'X';
  Result<Rsdp> r = parse_rsdp(bytes(v));
  EXPECT_EQ(r.error().status, Status::malformed);
  EXPECT_TRUE(mentions(r.error(), "signature"));

  v = test::rsdp_v1(0x1000);
  v[16] ^= 1;
  r = parse_rsdp(bytes(v));
  EXPECT_EQ(r.error().status, Status::malformed);
  EXPECT_TRUE(mentions(r.error(), "RSDP checksum"));
}

TEST(AcpiRsdp, GivenV2WithBadExtendedChecksumWhenParsedThenMalformed) {
  ByteVec v = test::rsdp_v2(0x1000, 0x2000);
  v[24] ^= 0x40;  // changes the XSDT address only: the 20-byte checksum still holds
  ASSERT_TRUE(checksum_ok(Bytes(v.data(), 20)));
  const Result<Rsdp> r = parse_rsdp(bytes(v));
  EXPECT_EQ(r.error().status, Status::malformed);
  EXPECT_TRUE(mentions(r.error(), "extended checksum"));
}

TEST(AcpiRsdp, GivenTruncatedInputWhenParsedThenTruncated) {
  const ByteVec v1 = test::rsdp_v1(0x1000);
  EXPECT_EQ(parse_rsdp(Bytes(v1.data(), 19)).error().status, Status::truncated);
  EXPECT_EQ(parse_rsdp(Bytes()).error().status, Status::truncated);
  const ByteVec v2 = test::rsdp_v2(0x1000, 0x2000);
  const Result<Rsdp> r = parse_rsdp(Bytes(v2.data(), 35));
  EXPECT_EQ(r.error().status, Status::truncated);
  EXPECT_TRUE(mentions(r.error(), "36"));
}

TEST(AcpiRsdp, GivenV2LengthOutOfRangeWhenParsedThenMalformed) {
  for (u32 length : {0u, 35u, 37u, 0xFFFFFFFFu}) {
    SCOPED_TRACE(length);
    ByteVec v = test::rsdp_v2(0x1000, 0x2000);
    test::put_le(v, 20, length, 4);
    test::fix_checksum(v, 32, 0, 36);
    const Result<Rsdp> r = parse_rsdp(bytes(v));
    EXPECT_EQ(r.error().status, Status::malformed);
    EXPECT_TRUE(mentions(r.error(), "length"));
  }
}

class AcpiTables : public ::testing::Test {
 protected:
  static constexpr u64 kRsdt = 0x7fe0000, kXsdt = 0x7fe1000, kFacp = 0x7fe2000, kFacpOld = 0x7fe3000,
                       kApic = 0x1'0000'0000;
  void SetUp() override {
    mem_.put(kRsdt, test::rsdt({static_cast<u32>(kFacpOld), 0x7fe5000}));
    mem_.put(kXsdt, test::xsdt({kApic, kFacp}));
    mem_.put(kFacp, test::fadt({.dsdt = 0x7fe4000}));
    mem_.put(kFacpOld, test::fadt({.dsdt = 0x7fe6000}, 116));
    mem_.put(kApic, test::sdt("APIC", ByteVec(8, 0x11)));
    mem_.put(0x7fe5000, test::sdt("HPET", ByteVec(20, 0x22)));
  }
  FakeMemory mem_;
};

TEST_F(AcpiTables, GivenValidTableWhenLoadedThenTheWholeTableIsReturned) {
  const Result<Bytes> t = load_table(mem_, kApic, "APIC");
  ASSERT_TRUE(t.ok()) << t.error().what;
  EXPECT_EQ(t->size(), 44u);
  EXPECT_EQ(t->data(), mem_.at(kApic).data());
}

TEST_F(AcpiTables, GivenBadTablesWhenLoadedThenEachProblemIsNamedAtItsAddress) {
  struct Case {
    const char* name;
    u64 phys;
    Status status;
    const char* what;
  };
  ByteVec bad_sum = test::sdt("APIC", ByteVec(8, 0));
  bad_sum[40] = 1;
  mem_.put(0x100000, bad_sum);
  ByteVec short_len = test::sdt("APIC", ByteVec(8, 0));
  test::put_le(short_len, 4, 35, 4);
  mem_.put(0x200000, short_len);
  ByteVec huge = test::sdt("APIC", ByteVec(8, 0));
  test::put_le(huge, 4, kMaxTableLength + 1, 4);
  mem_.put(0x300000, huge);
  ByteVec past = test::sdt("APIC", ByteVec(8, 0));
  test::put_le(past, 4, 4096, 4);  // only 44 bytes are readable
  mem_.put(0x400000, past);
  mem_.put(0x500000, ByteVec(20, 0));  // not even a header
  const Case cases[] = {
      {"zero address", 0, Status::not_found, "zero"},
      {"unmapped", 0xdead0000, Status::truncated, "header is not readable"},
      {"short header", 0x500000, Status::truncated, "header is not readable"},
      {"wrong signature", kApic, Status::malformed, "signature"},
      {"bad checksum", 0x100000, Status::malformed, "checksum"},
      {"length < 36", 0x200000, Status::malformed, "length"},
      {"length huge", 0x300000, Status::malformed, "length"},
      {"length past memory", 0x400000, Status::truncated, "past readable"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    const Result<Bytes> t = load_table(mem_, c.phys, c.phys == kApic ? "HPET" : "APIC");
    ASSERT_FALSE(t.ok());
    EXPECT_EQ(t.error().status, c.status);
    EXPECT_TRUE(mentions(t.error(), c.what)) << t.error().what;
    if (c.phys != 0) EXPECT_EQ(t.error().offset, c.phys);
  }
}

TEST_F(AcpiTables, GivenV1RsdpWhenTableLookedUpThenTheRsdtIsUsed) {
  const Rsdp rsdp{0, static_cast<u32>(kRsdt), kXsdt};  // a v1 RSDP: xsdt must be ignored
  const Result<Bytes> facp = find_table(mem_, rsdp, "FACP");
  ASSERT_TRUE(facp.ok()) << facp.error().what;
  EXPECT_EQ(facp->data(), mem_.at(kFacpOld).data());
  EXPECT_EQ(find_table(mem_, rsdp, "HPET")->size(), 56u);
  EXPECT_EQ(find_table(mem_, rsdp, "APIC").error().status, Status::not_found);  // only in the XSDT
}

TEST_F(AcpiTables, GivenV2RsdpWhenTableLookedUpThenTheXsdtIsPreferredWith64BitAddresses) {
  const Rsdp rsdp{2, static_cast<u32>(kRsdt), kXsdt};
  const Result<Bytes> facp = find_table(mem_, rsdp, "FACP");
  ASSERT_TRUE(facp.ok()) << facp.error().what;
  EXPECT_EQ(facp->data(), mem_.at(kFacp).data());
  EXPECT_EQ(find_table(mem_, rsdp, "APIC")->data(), mem_.at(kApic).data());  // above 4 GiB
  const Result<Bytes> none = find_table(mem_, rsdp, "HPET");
  EXPECT_EQ(none.error().status, Status::not_found);
  EXPECT_TRUE(mentions(none.error(), "not listed"));
  // Revision 2 without an XSDT address falls back to the RSDT.
  EXPECT_EQ(find_table(mem_, Rsdp{2, static_cast<u32>(kRsdt), 0}, "FACP")->data(), mem_.at(kFacpOld).data());
}

TEST_F(AcpiTables, GivenBrokenRootOrEntriesWhenLookedUpThenErrorsPropagateAndHolesAreSkipped) {
  EXPECT_EQ(find_table(mem_, Rsdp{2, 0, 0x5000}, "FACP").error().status, Status::truncated);  // unreadable XSDT
  EXPECT_EQ(find_table(mem_, Rsdp{0, static_cast<u32>(kXsdt), 0}, "FACP").error().status, Status::malformed);
  EXPECT_EQ(find_table(mem_, Rsdp{0, 0, 0}, "FACP").error().status, Status::not_found);

  // Unreadable entry first, then one whose header matches but whose checksum does not.
  mem_.put(0x9000, test::xsdt({0xdead0000, 0x8000, kApic}));
  ByteVec bad = test::sdt("APIC", ByteVec(4, 0));
  bad[36] = 9;
  mem_.put(0x8000, bad);
  const Result<Bytes> r = find_table(mem_, Rsdp{2, 0, 0x9000}, "APIC");
  EXPECT_EQ(r.error().status, Status::malformed);
  EXPECT_EQ(r.error().offset, 0x8000u);
}

TEST(AcpiFadt, GivenAcpi1FadtWhenParsedThenEveryFieldIsRead) {
  const ByteVec t = test::fadt({.dsdt = 0x7fe4000, .smi_cmd = 0xb2, .acpi_enable = 0xf1, .pm1a_cnt = 0x604,
                                .pm1b_cnt = 0x704, .pm_timer = 0x608, .pm_timer_length = 4, .flags = 0x80a5},
                               116);
  const Result<Fadt> f = parse_fadt(bytes(t));
  ASSERT_TRUE(f.ok()) << f.error().what;
  EXPECT_EQ(f->dsdt, 0x7fe4000u);
  EXPECT_EQ(f->smi_cmd, 0xb2u);
  EXPECT_EQ(f->acpi_enable, 0xf1u);
  EXPECT_EQ(f->pm1a_cnt, 0x604u);
  EXPECT_EQ(f->pm1b_cnt, 0x704u);
  EXPECT_EQ(f->pm_timer, 0x608u);
  EXPECT_EQ(f->pm_timer_length, 4u);
  EXPECT_EQ(f->flags, 0x80a5u);
}

TEST(AcpiFadt, GivenShortFadtWhenParsedThenTruncated) {
  const ByteVec t = test::fadt({}, 116);
  const Result<Fadt> f = parse_fadt(Bytes(t.data(), 115));
  EXPECT_EQ(f.error().status, Status::truncated);
  EXPECT_TRUE(mentions(f.error(), "116"));
}

TEST(AcpiFadt, GivenXDsdtWhenParsedThenItIsPreferredOnlyWhenPresentAndNonZero) {
  EXPECT_EQ(parse_fadt(bytes(test::fadt({.dsdt = 0x1000, .x_dsdt = 0x1'0000'2000})))->dsdt, 0x100002000u);
  EXPECT_EQ(parse_fadt(bytes(test::fadt({.dsdt = 0x1000, .x_dsdt = 0})))->dsdt, 0x1000u);
  // 147 bytes: X_DSDT does not fit and must not be read.
  ByteVec t = test::fadt({.dsdt = 0x1000, .x_dsdt = 0x2000}, 244);
  EXPECT_EQ(parse_fadt(Bytes(t.data(), 147))->dsdt, 0x1000u);
}

}  // namespace
}  // namespace nucleo::acpi

// SPDX-License-Identifier: MIT
// The ACPI code on tables captured from real firmware (host-tests/data/acpi/):
// each platform's root table, FADT, MADT and DSDT are placed in fake physical
// memory at the addresses the firmware used, then walked as the kernel does.
// Expected values were decoded by hand from the captures.
#include "kernel/acpi/tables.hpp"

#include "host-tests/support/acpi_builder.hpp"
#include "host-tests/support/mb2_builder.hpp"

#include <gtest/gtest.h>

#include <ostream>
#include <string>

namespace nucleo::acpi {
namespace {

using test::ByteVec;

// The FADT fields as decoded by hand (named, so new Fadt members change nothing here).
struct FadtValues {
  u64 dsdt;
  u32 smi_cmd;
  u8 acpi_enable;
  u32 pm1a_cnt, pm1b_cnt, pm_timer;
  u8 pm_timer_length;
  u32 flags;
};

struct Platform {
  const char* prefix;  // <prefix>_{rsdt|xsdt,facp,apic,dsdt}.bin
  bool xsdt;
  u64 facp_phys, apic_phys;  // the root table's first two entries
  FadtValues fadt;
};

const Platform kPlatforms[] = {
    {"qemu_pc_4cpu", false, 0xffe1a8b, 0xffe1aff, {0xffe0040, 0xb2, 0xf1, 0x604, 0, 0x608, 4, 0x80a5}},
    {"qemu_q35_4of8cpu", false, 0xffe2331, 0xffe2425, {0xffe0040, 0xb2, 0x02, 0x604, 0, 0x608, 4, 0x84a5}},
    {"bochs_4cpu", false, 0xfff0034, 0xfff0f98, {0xfff0100, 0xb2, 0xf1, 0xb004, 0, 0xb008, 4, 0x75}},
    {"ovmf_2cpu", true, 0xf77a000, 0xf779000, {0xf77b000, 0xb2, 0xf1, 0xb004, 0, 0xb008, 4, 0x80a5}},
};

void PrintTo(const Platform& p, std::ostream* os) { *os << p.prefix; }

class AcpiCaptures : public ::testing::TestWithParam<Platform> {
 protected:
  static ByteVec load(const std::string& name) {
    return test::read_file(std::string(NUCLEO_TEST_DATA) + "/acpi/" + name + ".bin");
  }
  void SetUp() override {
    const Platform& p = GetParam();
    root_ = load(std::string(p.prefix) + (p.xsdt ? "_xsdt" : "_rsdt"));
    facp_ = load(std::string(p.prefix) + "_facp");
    apic_ = load(std::string(p.prefix) + "_apic");
    dsdt_ = load(std::string(p.prefix) + "_dsdt");
    if (root_.empty() || facp_.empty() || apic_.empty() || dsdt_.empty())
      GTEST_SKIP() << p.prefix << " captures not present";
    mem_.put(kRoot, root_);
    mem_.put(p.facp_phys, facp_);
    mem_.put(p.apic_phys, apic_);
    mem_.put(p.fadt.dsdt, dsdt_);
  }
  Rsdp rsdp() const { return GetParam().xsdt ? Rsdp{2, 0, kRoot} : Rsdp{0, static_cast<u32>(kRoot), 0}; }

  static constexpr u64 kRoot = 0x1000;  // where the root table goes (the captures do not say)
  ByteVec root_, facp_, apic_, dsdt_;
  test::FakeMemory mem_;
};

TEST_P(AcpiCaptures, GivenTheCapturedRootTableWhenTablesAreLookedUpThenFadtAndMadtAreFound) {
  const Result<Bytes> facp = find_table(mem_, rsdp(), "FACP");
  ASSERT_TRUE(facp.ok()) << facp.error().what;
  EXPECT_EQ(facp->data(), mem_.at(GetParam().facp_phys).data());
  EXPECT_EQ(facp->size(), facp_.size());
  const Result<Bytes> apic = find_table(mem_, rsdp(), "APIC");
  ASSERT_TRUE(apic.ok()) << apic.error().what;
  EXPECT_EQ(apic->size(), apic_.size());
  // Other entries (HPET, WAET, ...) are not in the fake memory: skipped, not fatal.
  EXPECT_EQ(find_table(mem_, rsdp(), "SSDT").error().status, Status::not_found);
}

TEST_P(AcpiCaptures, GivenTheCapturedFadtWhenParsedThenItsFieldsMatchTheDecodedValues) {
  const Result<Fadt> f = parse_fadt(Bytes(facp_.data(), facp_.size()));
  ASSERT_TRUE(f.ok()) << f.error().what;
  const FadtValues& want = GetParam().fadt;
  EXPECT_EQ(f->dsdt, want.dsdt);
  EXPECT_EQ(f->smi_cmd, want.smi_cmd);
  EXPECT_EQ(f->acpi_enable, want.acpi_enable);
  EXPECT_EQ(f->pm1a_cnt, want.pm1a_cnt);
  EXPECT_EQ(f->pm1b_cnt, want.pm1b_cnt);
  EXPECT_EQ(f->pm_timer, want.pm_timer);
  EXPECT_EQ(f->pm_timer_length, want.pm_timer_length);
  EXPECT_EQ(f->flags, want.flags);
}

TEST_P(AcpiCaptures, GivenTheCapturedDsdtWhenWalkedFromTheFadtThenS5IsZeroZeroNotS3OrS4) {
  // These DSDTs hold _S3_ = {1, 1}, _S4_ (QEMU: {2, 2}) and _S5_ = {0, 0}, in that order.
  const Result<Bytes> facp = find_table(mem_, rsdp(), "FACP");
  ASSERT_TRUE(facp.ok()) << facp.error().what;
  const Result<Fadt> fadt = parse_fadt(facp.value());
  ASSERT_TRUE(fadt.ok()) << fadt.error().what;
  const Result<Bytes> dsdt = load_table(mem_, fadt->dsdt, "DSDT");
  ASSERT_TRUE(dsdt.ok()) << dsdt.error().what;
  EXPECT_EQ(dsdt->size(), dsdt_.size());
  const Result<SleepType> s5 = find_s5(dsdt.value());
  ASSERT_TRUE(s5.ok()) << s5.error().what;
  EXPECT_EQ(s5->a, 0u);
  EXPECT_EQ(s5->b, 0u);
}

TEST_P(AcpiCaptures, GivenTheCapturedDsdtWithS5ChangedWhenScannedThenTheNewValuesAreRead) {
  // Turn Package (4) {Zero, Zero, ...} into {One, One, ...}: same length, so the AML stays valid.
  const std::string aml(dsdt_.begin(), dsdt_.end());
  const usize at = aml.find(std::string("\x08_S5_\x12\x06\x04\x00\x00", 10));
  ASSERT_NE(at, std::string::npos);
  dsdt_[at + 8] = 0x01;
  dsdt_[at + 9] = 0x01;
  const Result<SleepType> s5 = find_s5(Bytes(dsdt_.data(), dsdt_.size()));
  ASSERT_TRUE(s5.ok()) << s5.error().what;
  EXPECT_EQ(s5->a, 1u);
  EXPECT_EQ(s5->b, 1u);
  // The table checksum is now wrong, and load_table says so.
  mem_.put(GetParam().fadt.dsdt, dsdt_);
  EXPECT_EQ(load_table(mem_, GetParam().fadt.dsdt, "DSDT").error().status, Status::malformed);
}

INSTANTIATE_TEST_SUITE_P(Firmware, AcpiCaptures, ::testing::ValuesIn(kPlatforms),
                         [](const ::testing::TestParamInfo<Platform>& info) { return std::string(info.param.prefix); });

}  // namespace
}  // namespace nucleo::acpi

// SPDX-License-Identifier: MIT
// FADT and DSDT \_S5 on real tables dumped with `dump=acpi` from QEMU (pc,
// q35, OVMF) and Bochs: the values the kernel powers off and calibrates with.
#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "kernel/acpi/tables.hpp"

namespace nucleo::acpi {
namespace {

std::vector<u8> load(const std::string& name) {
  std::ifstream in(std::string(NUCLEO_TEST_DATA) + "/acpi/" + name, std::ios::binary);
  return std::vector<u8>(std::istreambuf_iterator<char>(in), {});
}

struct Machine {
  const char* prefix;
  u32 pm1a_cnt;
  u32 pm_timer;
  bool timer_32bit;
};

class RealTables : public testing::TestWithParam<Machine> {};

TEST_P(RealTables, FadtAndS5) {
  const Machine& m = GetParam();
  const std::vector<u8> facp = load(std::string(m.prefix) + "_facp.bin");
  const std::vector<u8> dsdt = load(std::string(m.prefix) + "_dsdt.bin");
  ASSERT_FALSE(facp.empty());
  ASSERT_FALSE(dsdt.empty());
  EXPECT_TRUE(checksum_ok(Bytes(facp.data(), facp.size())));
  EXPECT_TRUE(checksum_ok(Bytes(dsdt.data(), dsdt.size())));

  const Result<Fadt> fadt = parse_fadt(Bytes(facp.data(), facp.size()));
  ASSERT_TRUE(fadt.ok()) << fadt.error().what;
  EXPECT_EQ(fadt->pm1a_cnt, m.pm1a_cnt);
  EXPECT_EQ(fadt->pm_timer, m.pm_timer);
  EXPECT_EQ(fadt->pm_timer_32bit(), m.timer_32bit);
  EXPECT_NE(fadt->dsdt, 0u);

  // q35's FADT (revision 3+) has a reset register: the 0xCF9 reset control port.
  if (std::string(m.prefix) == "qemu_q35_4of8cpu") {
    EXPECT_TRUE(fadt->has_reset);
    EXPECT_EQ(fadt->reset_space, 1);
    EXPECT_EQ(fadt->reset_address, 0xCF9u);
    EXPECT_EQ(fadt->reset_value, 0x0F);
  }

  const Result<SleepType> s5 = find_s5(Bytes(dsdt.data(), dsdt.size()));
  ASSERT_TRUE(s5.ok()) << s5.error().what;
  EXPECT_EQ(s5->a, 0);  // all four firmwares put S5 at SLP_TYP 0
}

INSTANTIATE_TEST_SUITE_P(Dumped, RealTables,
                         testing::Values(Machine{"qemu_pc_4cpu", 0x604, 0x608, false},
                                         Machine{"qemu_q35_4of8cpu", 0x604, 0x608, false},
                                         Machine{"bochs_4cpu", 0xb004, 0xb008, false},
                                         Machine{"ovmf_2cpu", 0xb004, 0xb008, false}),
                         [](const auto& info) { return std::string(info.param.prefix); });

}  // namespace
}  // namespace nucleo::acpi

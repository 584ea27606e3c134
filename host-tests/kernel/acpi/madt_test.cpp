// SPDX-License-Identifier: MIT
// MADT parser: real tables dumped by `dump=acpi` from QEMU (pc, q35 with
// hot-pluggable CPUs, OVMF) and Bochs, then malformed ones.
#include "kernel/acpi/madt.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "host-tests/support/acpi_builder.hpp"

namespace nucleo::acpi {
namespace {

using test::ByteVec;
using test::put_le;

ByteVec load(const std::string& name) {
  std::ifstream in(std::string(NUCLEO_TEST_DATA) + "/acpi/" + name, std::ios::binary);
  return ByteVec(std::istreambuf_iterator<char>(in), {});
}

Error parse(const ByteVec& v, Madt& m) { return parse_madt(Bytes(v.data(), v.size()), m); }

// A MADT with the given entries after the 44-byte header.
ByteVec madt(const ByteVec& entries, u32 lapic = 0xFEE00000, u32 flags = 1) {
  ByteVec body;
  put_le(body, 0, lapic, 4);
  put_le(body, 4, flags, 4);
  body.insert(body.end(), entries.begin(), entries.end());
  return test::sdt("APIC", body);
}

ByteVec lapic_entry(u8 uid, u8 apic_id, u32 flags) {
  ByteVec e = {0, 8, uid, apic_id};
  put_le(e, 4, flags, 4);
  return e;
}

ByteVec x2apic_entry(u32 apic_id, u32 flags, u32 uid) {
  ByteVec e = {9, 16, 0, 0};
  put_le(e, 4, apic_id, 4);
  put_le(e, 8, flags, 4);
  put_le(e, 12, uid, 4);
  return e;
}

ByteVec cat(std::initializer_list<ByteVec> parts) {
  ByteVec out;
  for (const ByteVec& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

TEST(MadtReal, QemuPcFourCpus) {
  Madt m;
  ASSERT_TRUE(parse(load("qemu_pc_4cpu_apic.bin"), m).ok());
  EXPECT_EQ(m.lapic_address, 0xFEE00000u);
  EXPECT_TRUE(m.pcat_compat);
  ASSERT_EQ(m.cpu_count, 4u);
  for (u32 i = 0; i < 4; ++i) {
    EXPECT_EQ(m.cpus[i].apic_id, i);
    EXPECT_TRUE(m.cpus[i].enabled);
  }
  ASSERT_EQ(m.ioapic_count, 1u);
  EXPECT_EQ(m.ioapics[0].address, 0xFEC00000u);
  EXPECT_EQ(m.ioapics[0].gsi_base, 0u);
  ASSERT_GE(m.override_count, 1u);
  EXPECT_EQ(m.overrides[0].source, 0);  // IRQ0 (PIT) -> GSI 2
  EXPECT_EQ(m.overrides[0].gsi, 2u);
  ASSERT_EQ(m.nmi_count, 1u);
  EXPECT_EQ(m.nmis[0].uid, 0xFFFFFFFFu);
  EXPECT_EQ(m.nmis[0].lint, 1);
}

TEST(MadtReal, QemuQ35ListsHotPluggableCpusAsDisabled) {
  Madt m;
  ASSERT_TRUE(parse(load("qemu_q35_4of8cpu_apic.bin"), m).ok());
  ASSERT_EQ(m.cpu_count, 8u);
  EXPECT_EQ(m.enabled_cpus(), 4u);
  for (u32 i = 0; i < 8; ++i) EXPECT_EQ(m.cpus[i].enabled, i < 4) << "cpu " << i;
}

TEST(MadtReal, BochsFourCpus) {
  Madt m;
  ASSERT_TRUE(parse(load("bochs_4cpu_apic.bin"), m).ok());
  EXPECT_EQ(m.cpu_count, 4u);
  EXPECT_EQ(m.enabled_cpus(), 4u);
  EXPECT_EQ(m.ioapic_count, 1u);
}

TEST(MadtReal, OvmfTwoCpus) {
  Madt m;
  ASSERT_TRUE(parse(load("ovmf_2cpu_apic.bin"), m).ok());
  EXPECT_EQ(m.enabled_cpus(), 2u);
}

TEST(Madt, X2apicEntriesAndDuplicates) {
  Madt m;
  const ByteVec t = madt(cat({lapic_entry(0, 0, 1), x2apic_entry(0, 1, 0), x2apic_entry(300, 1, 7),
                              x2apic_entry(301, 2, 8)}));
  ASSERT_TRUE(parse(t, m).ok());
  ASSERT_EQ(m.cpu_count, 3u);
  EXPECT_EQ(m.duplicate_cpus, 1u);  // APIC ID 0 listed as xAPIC and x2APIC
  EXPECT_EQ(m.cpus[1].apic_id, 300u);
  EXPECT_TRUE(m.cpus[1].from_x2apic_entry);
  EXPECT_EQ(m.cpus[1].uid, 7u);
  EXPECT_FALSE(m.cpus[2].enabled);
  EXPECT_TRUE(m.cpus[2].online_capable);
  EXPECT_EQ(m.enabled_cpus(), 2u);
}

TEST(Madt, AddressOverrideAndUnknownEntries) {
  ByteVec override_entry = {5, 12, 0, 0};
  put_le(override_entry, 4, 0x1'2345'6000ull, 8);
  const ByteVec gicc = {0x0B, 4, 0, 0};
  Madt m;
  ASSERT_TRUE(parse(madt(cat({override_entry, gicc, lapic_entry(0, 0, 1)})), m).ok());
  EXPECT_EQ(m.lapic_address, 0x1'2345'6000ull);
  EXPECT_EQ(m.unknown_entries, 1u);
  EXPECT_EQ(m.cpu_count, 1u);
}

TEST(MadtMalformed, EntryLengthZeroIsRefusedNotLoopedOn) {
  Madt m;
  const Error e = parse(madt(cat({lapic_entry(0, 0, 1), ByteVec{0, 0, 0, 0}})), m);
  EXPECT_EQ(e.status, Status::malformed);
  EXPECT_EQ(e.offset, 44u + 8u);
  EXPECT_EQ(m.cpu_count, 1u);  // what came before the bad entry is kept
}

TEST(MadtMalformed, EntryPastTheEnd) {
  ByteVec entry = lapic_entry(1, 1, 1);
  entry[1] = 40;  // claims 40 bytes
  Madt m;
  const Error e = parse(madt(entry), m);
  EXPECT_EQ(e.status, Status::truncated);
  EXPECT_NE(std::string(e.what).find("past the table end"), std::string::npos);
}

TEST(MadtMalformed, EntryShorterThanItsType) {
  ByteVec entry = {9, 8, 0, 0, 1, 0, 0, 0};  // x2APIC entry needs 16 bytes
  Madt m;
  EXPECT_EQ(parse(madt(entry), m).status, Status::malformed);
}

TEST(MadtMalformed, HeaderCutOff) {
  ByteVec t = madt({});
  t.resize(40);
  Madt m;
  EXPECT_EQ(parse(t, m).status, Status::truncated);
}

TEST(MadtMalformed, TrailingSingleByte) {
  Madt m;
  EXPECT_EQ(parse(madt(cat({lapic_entry(0, 0, 1), ByteVec{0}})), m).status, Status::truncated);
}

TEST(Madt, MoreCpusThanTheLimitAreCounted) {
  ByteVec entries;
  for (u32 i = 0; i < Madt::kMaxCpus + 3; ++i) {
    const ByteVec e = x2apic_entry(i, 1, i);
    entries.insert(entries.end(), e.begin(), e.end());
  }
  Madt m;
  ASSERT_TRUE(parse(madt(entries), m).ok());
  EXPECT_EQ(m.cpu_count, Madt::kMaxCpus);
  EXPECT_EQ(m.cpus_dropped, 3u);
}

}  // namespace
}  // namespace nucleo::acpi

// SPDX-License-Identifier: MIT
// The ACPI tables each VM gets (kernel/virt/acpi/vm_acpi.cpp), read back
// the way a guest reads them: the hypervisor's own parser (kernel/acpi)
// scans the BIOS area for the RSDP and follows XSDT and RSDT, plus direct
// byte checks of the fields the parser does not look at.
#include "kernel/virt/acpi/vm_acpi.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "kernel/acpi/madt.hpp"
#include "kernel/acpi/tables.hpp"

namespace nucleo {
namespace {

using ByteVec = std::vector<u8>;

// Guest RAM as physical memory for the parser: reads outside it are empty.
class RamMemory final : public acpi::PhysMemory {
 public:
  explicit RamMemory(ByteVec& ram) : ram_(ram) {}
  Bytes read(u64 phys, usize length) override {
    if (phys > ram_.size() || length > ram_.size() - phys) return {};
    return Bytes(ram_.data() + phys, length);
  }

 private:
  ByteVec& ram_;
};

struct Rig {
  ByteVec ram = ByteVec(2 * MiB, 0);
  RamMemory mem{ram};
  VmAcpiTables tables;

  void build(const VmAcpiConfig& c) {
    const Result<VmAcpiTables> r = build_vm_acpi(c, Span<u8>(ram.data(), ram.size()));
    ASSERT_TRUE(r.ok()) << r.error().what;
    tables = r.value();
  }
  void build(u32 cpus) {
    VmAcpiConfig c;
    c.cpu_count = cpus;
    build(c);
  }
  acpi::Rsdp rsdp() {
    const Result<u64> at = acpi::scan_bios_areas_for_rsdp(mem);
    EXPECT_TRUE(at.ok()) << at.error().what;
    EXPECT_EQ(at.value(), tables.rsdp);
    const Result<acpi::Rsdp> r = acpi::parse_rsdp(mem.read(at.value(), 36));
    EXPECT_TRUE(r.ok()) << r.error().what;
    return r.value();
  }
  Bytes table(Str signature, bool through_rsdt = false) {
    acpi::Rsdp r = rsdp();
    if (through_rsdt) r.revision = 0;  // what an ACPI 1.0 OS follows
    const Result<Bytes> t = acpi::find_table(mem, r, signature);
    EXPECT_TRUE(t.ok()) << t.error().what;
    return t.ok() ? t.value() : Bytes();
  }
  u64 le(u64 at, usize width) const {
    u64 x = 0;
    for (usize i = width; i-- > 0;) x = x << 8 | ram.at(at + i);
    return x;
  }
  std::string text(u64 at, usize n) const {
    return std::string(ram.begin() + static_cast<long>(at), ram.begin() + static_cast<long>(at + n));
  }
};

u64 address_of(const Rig& r, Bytes table) { return static_cast<u64>(table.data() - r.ram.data()); }

u8 sum(Bytes b) {
  u8 s = 0;
  for (u8 x : b) s = static_cast<u8>(s + x);
  return s;
}

class VmAcpiCpus : public ::testing::TestWithParam<u32> {};

TEST_P(VmAcpiCpus, GivenNVcpusWhenTheMadtIsParsedThenItListsExactlyApicIds0ToNMinus1) {
  const u32 n = GetParam();
  Rig r;
  r.build(n);
  acpi::Madt madt;
  ASSERT_TRUE(acpi::parse_madt(r.table("APIC"), madt).ok());
  ASSERT_EQ(madt.cpu_count, n);
  EXPECT_EQ(madt.enabled_cpus(), n);
  EXPECT_EQ(madt.duplicate_cpus, 0u);
  EXPECT_EQ(madt.unknown_entries, 0u);
  for (u32 i = 0; i < n; ++i) {
    EXPECT_EQ(madt.cpus[i].apic_id, i);
    EXPECT_EQ(madt.cpus[i].uid, i);
    EXPECT_TRUE(madt.cpus[i].enabled);
    EXPECT_FALSE(madt.cpus[i].online_capable);
    EXPECT_EQ(madt.cpus[i].from_x2apic_entry, i >= 255) << i;
  }
  EXPECT_EQ(madt.lapic_address, 0xFEE00000u);
  EXPECT_TRUE(madt.pcat_compat);
  EXPECT_EQ(madt.ioapic_count, 0u);
  EXPECT_EQ(madt.override_count, 0u);
  EXPECT_EQ(madt.nmi_count, 0u);

  // The same table through the RSDT.
  acpi::Madt again;
  ASSERT_TRUE(acpi::parse_madt(r.table("APIC", true), again).ok());
  EXPECT_EQ(again.cpu_count, n);
  const u32 xapic = n < 255 ? n : 255;
  EXPECT_EQ(r.table("APIC").size(), 44u + 8 * xapic + 16 * (n - xapic));
}

INSTANTIATE_TEST_SUITE_P(Counts, VmAcpiCpus, ::testing::Values(1u, 2u, 4u, 64u, 254u, 255u, 256u, 300u, 512u));

TEST(VmAcpi, GivenTheBuiltTablesWhenTheBiosAreaIsScannedThenARevision2RsdpIsFoundAtE0000) {
  Rig r;
  r.build(2);
  EXPECT_EQ(r.tables.rsdp, 0xE0000u);
  const acpi::Rsdp rsdp = r.rsdp();
  EXPECT_EQ(rsdp.revision, 2);
  EXPECT_NE(rsdp.rsdt, 0u);
  EXPECT_NE(rsdp.xsdt, 0u);
  EXPECT_EQ(r.text(0xE0000, 8), "RSD PTR ");
  EXPECT_EQ(r.text(0xE0009, 6), "NUCLEO");
  EXPECT_EQ(r.le(0xE0014, 4), 36u);                                               // length
  EXPECT_EQ(sum(Bytes(r.ram.data() + 0xE0000, 20)), 0u);                          // ACPI 1.0 checksum
  EXPECT_EQ(sum(Bytes(r.ram.data() + 0xE0000, 36)), 0u);                          // extended checksum
  EXPECT_EQ(r.ram[0xE0000 + 33] | r.ram[0xE0000 + 34] | r.ram[0xE0000 + 35], 0);  // reserved
}

TEST(VmAcpi, GivenEveryTableWhenSummedThenEachChecksumIsZeroAndEachNamesNucleo) {
  Rig r;
  r.build(4);
  const acpi::Rsdp rsdp = r.rsdp();
  std::vector<std::pair<std::string, u64>> tables = {{"XSDT", rsdp.xsdt}, {"RSDT", rsdp.rsdt}};
  for (const char* sig : {"FACP", "APIC"}) tables.push_back({sig, address_of(r, r.table(sig))});
  const Result<acpi::Fadt> fadt = acpi::parse_fadt(r.table("FACP"));
  ASSERT_TRUE(fadt.ok());
  tables.push_back({"DSDT", fadt->dsdt});
  for (const auto& [sig, at] : tables) {
    SCOPED_TRACE(sig);
    ASSERT_TRUE(acpi::load_table(r.mem, at, Str(sig.c_str())).ok());  // signature, length, checksum
    const u64 length = r.le(at + 4, 4);
    EXPECT_EQ(sum(Bytes(r.ram.data() + at, length)), 0u);
    EXPECT_NE(r.ram[at + 9], 0u) << "a zero checksum byte would mean nothing was summed";
    EXPECT_EQ(r.text(at + 10, 6), "NUCLEO");
    EXPECT_EQ(r.text(at + 16, 8), "NUCLEOVM");
    EXPECT_EQ(at % 16, 0u);
    EXPECT_GE(at, 0xE0000u);
    EXPECT_LE(at + length, r.tables.end);
  }
}

TEST(VmAcpi, GivenTheRootTablesWhenReadThenXsdtAndRsdtListTheFadtAndTheMadtOnly) {
  Rig r;
  r.build(1);
  const acpi::Rsdp rsdp = r.rsdp();
  const u64 fadt = address_of(r, r.table("FACP"));
  const u64 madt = address_of(r, r.table("APIC"));
  EXPECT_EQ(r.le(rsdp.xsdt + 4, 4), 36u + 16);
  EXPECT_EQ(r.le(rsdp.xsdt + 36, 8), fadt);
  EXPECT_EQ(r.le(rsdp.xsdt + 44, 8), madt);
  EXPECT_EQ(r.le(rsdp.rsdt + 4, 4), 36u + 8);
  EXPECT_EQ(r.le(rsdp.rsdt + 36, 4), fadt);
  EXPECT_EQ(r.le(rsdp.rsdt + 40, 4), madt);
  EXPECT_EQ(address_of(r, r.table("FACP", true)), fadt);
  EXPECT_FALSE(acpi::find_table(r.mem, rsdp, "HPET").ok());
}

TEST(VmAcpi, GivenTheFadtWhenParsedThenThePmTimerIsThe24BitPortAndTheDsdtIsValid) {
  Rig r;
  r.build(1);
  const Bytes t = r.table("FACP");
  ASSERT_EQ(t.size(), 244u);
  EXPECT_EQ(t[8], 4);  // revision 4
  const Result<acpi::Fadt> f = acpi::parse_fadt(t);
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(f->pm_timer, 0x608u);
  EXPECT_EQ(f->pm_timer_length, 4);
  EXPECT_FALSE(f->pm_timer_32bit());
  EXPECT_EQ(f->smi_cmd, 0u);
  EXPECT_EQ(f->pm1a_cnt, 0u);
  EXPECT_FALSE(f->has_reset);
  const Result<Bytes> dsdt = acpi::load_table(r.mem, f->dsdt, "DSDT");
  ASSERT_TRUE(dsdt.ok()) << dsdt.error().what;
  EXPECT_EQ(dsdt.value().size(), 36u);
  EXPECT_EQ(dsdt.value()[8], 2);                   // revision 2: 64-bit AML integers
  EXPECT_FALSE(acpi::find_s5(dsdt.value()).ok());  // no S5 without a PM1 control block
  // 32-bit and 64-bit pointers agree.
  EXPECT_EQ(load_le32(t.data() + 40), load_le64(t.data() + 140));
  EXPECT_EQ(load_le32(t.data() + 36), load_le64(t.data() + 132));
}

TEST(VmAcpi, GivenTheFadtWhenItsBytesAreReadThenSciPortsAndGasMatchThePlatform) {
  Rig r;
  r.build(1);
  const u8* t = r.table("FACP").data();
  EXPECT_EQ(load_le16(t + 46), 9);   // SCI_INT
  EXPECT_EQ(load_le32(t + 56), 0u);  // PM1a_EVT_BLK: not modelled
  EXPECT_EQ(t[88], 0);               // PM1_EVT_LEN
  EXPECT_EQ(t[89], 0);               // PM1_CNT_LEN
  EXPECT_EQ(load_le32(t + 80), 0u);  // GPE0_BLK
  EXPECT_EQ(load_le16(t + 96), 101);
  EXPECT_EQ(load_le16(t + 98), 1001);
  // X_PM_TMR_BLK: system I/O, 32 bits, offset 0, dword access, port 0x608.
  EXPECT_EQ(ByteVec(t + 208, t + 220), (ByteVec{1, 32, 0, 3, 0x08, 0x06, 0, 0, 0, 0, 0, 0}));
  EXPECT_EQ(ByteVec(t + 148, t + 160), ByteVec(12, 0));  // X_PM1a_EVT_BLK absent
  EXPECT_EQ(ByteVec(t + 116, t + 129), ByteVec(13, 0));  // RESET_REG, RESET_VALUE
}

TEST(VmAcpi, GivenTheDefaultPlatformWhenBootFlagsAreReadThenOnlyModelledDevicesAreClaimed) {
  Rig r;
  r.build(1);
  const u8* t = r.table("FACP").data();
  const u16 boot = load_le16(t + 109);
  EXPECT_EQ(boot, 0x0001 | 0x0004 | 0x0008);  // legacy devices, VGA not present, MSI not supported
  EXPECT_EQ(boot & 0x0002, 0) << "no 8042 is modelled";
  const u32 flags = load_le32(t + 112);
  EXPECT_EQ(flags, (1u << 0) | (1u << 2) | (1u << 4) | (1u << 5) | (1u << 6) | (1u << 12));
  EXPECT_EQ(flags & (1u << 8), 0u) << "TMR_VAL_EXT: the PM timer has 24 bits";
  EXPECT_EQ(flags & (1u << 20), 0u) << "not hardware-reduced: the PM timer is used";
}

TEST(VmAcpi, GivenAPlatformWithoutLegacyDevicesOrRtcWhenBuiltThenBootFlagsSaySo) {
  Rig r;
  VmAcpiConfig c;
  c.legacy_devices = false;
  c.cmos_rtc = false;
  r.build(c);
  EXPECT_EQ(load_le16(r.table("FACP").data() + 109), 0x0004 | 0x0008 | 0x0020);
}

TEST(VmAcpi, GivenMoreThanEightVcpusWhenBuiltThenPhysicalDestinationModeIsForced) {
  Rig r;
  r.build(8);
  EXPECT_EQ(load_le32(r.table("FACP").data() + 112) & (1u << 19), 0u);
  r.build(9);
  EXPECT_NE(load_le32(r.table("FACP").data() + 112) & (1u << 19), 0u);
}

TEST(VmAcpi, GivenPm1PortsAndAnotherTimerPortWhenBuiltThenTheFadtPointsAtThem) {
  Rig r;
  VmAcpiConfig c;
  c.pm_timer_port = 0xB008;
  c.pm1a_event_port = 0xB000;
  c.pm1a_control_port = 0xB004;
  c.sci_irq = 11;
  r.build(c);
  const Bytes t = r.table("FACP");
  const Result<acpi::Fadt> f = acpi::parse_fadt(t);
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(f->pm_timer, 0xB008u);
  EXPECT_EQ(f->pm1a_cnt, 0xB004u);
  EXPECT_EQ(load_le32(t.data() + 56), 0xB000u);
  EXPECT_EQ(t[88], 4);
  EXPECT_EQ(t[89], 2);
  EXPECT_EQ(load_le16(t.data() + 46), 11);
  EXPECT_EQ(ByteVec(t.data() + 148, t.data() + 160), (ByteVec{1, 32, 0, 2, 0x00, 0xB0, 0, 0, 0, 0, 0, 0}));
  EXPECT_EQ(ByteVec(t.data() + 172, t.data() + 184), (ByteVec{1, 16, 0, 2, 0x04, 0xB0, 0, 0, 0, 0, 0, 0}));
}

TEST(VmAcpi, GivenTheBuiltTablesWhenLocatedThenTheyLieWhereDocsVirtualPlatformSays) {
  Rig r;
  r.build(2);
  const acpi::Rsdp rsdp = r.rsdp();
  const u64 fadt = address_of(r, r.table("FACP"));
  EXPECT_EQ(load_le64(r.table("FACP").data() + 132), 0xE0040u);  // FACS
  EXPECT_EQ(load_le64(r.table("FACP").data() + 140), 0xE0080u);  // DSDT
  EXPECT_EQ(fadt, 0xE00B0u);
  EXPECT_EQ(address_of(r, r.table("APIC")), 0xE01B0u);
  EXPECT_EQ(rsdp.xsdt, align_up(0xE01B0u + 44 + 2 * 8, 16));
  EXPECT_EQ(rsdp.rsdt, rsdp.xsdt + 64);
  EXPECT_EQ(r.tables.end, rsdp.rsdt + 44);
}

TEST(VmAcpi, GivenTheFacsWhenReadThenItIs64ByteAlignedWithItsSignatureAndLength) {
  Rig r;
  r.build(1);
  const u64 facs = load_le64(r.table("FACP").data() + 132);
  EXPECT_EQ(facs % 64, 0u);
  EXPECT_EQ(r.text(facs, 4), "FACS");
  EXPECT_EQ(r.le(facs + 4, 4), 64u);
  EXPECT_EQ(r.ram[facs + 32], 2);
  EXPECT_EQ(r.le(facs + 12, 4), 0u);  // no waking vector
}

TEST(VmAcpi, GivenRamFilledWithAPatternWhenBuiltThenOnlyTheTablesRangeIsWritten) {
  Rig r;
  std::fill(r.ram.begin(), r.ram.end(), 0xAA);
  r.build(300);
  EXPECT_GT(r.tables.end, 0xE0000u);
  EXPECT_LT(r.tables.end, 0xE3000u);
  for (u64 a = 0; a < r.ram.size(); ++a)
    if (a < 0xE0000 || a >= r.tables.end) ASSERT_EQ(r.ram[a], 0xAA) << std::hex << a;
  EXPECT_EQ(r.ram[0xE0024], 0) << "padding between tables is zeroed";
  r.rsdp();
}

TEST(VmAcpi, GivenExactlyOneMibOfRamWhenBuiltThenTheTablesFit) {
  ByteVec ram(1 * MiB, 0);
  VmAcpiConfig c;
  c.cpu_count = 512;
  const Result<VmAcpiTables> t = build_vm_acpi(c, Span<u8>(ram.data(), ram.size()));
  ASSERT_TRUE(t.ok()) << t.error().what;
  EXPECT_LE(t->end, ram.size());
  RamMemory mem(ram);
  EXPECT_TRUE(acpi::scan_bios_areas_for_rsdp(mem).ok());
}

TEST(VmAcpi, GivenBadInputWhenBuiltThenAClearErrorAndNothingWritten) {
  ByteVec small(1 * MiB - 1, 0x55);
  VmAcpiConfig c;
  Result<VmAcpiTables> t = build_vm_acpi(c, Span<u8>(small.data(), small.size()));
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.error().status, Status::invalid_argument);
  EXPECT_STREQ(t.error().what, "VM RAM ends below 1 MiB: no BIOS area for the ACPI tables");
  EXPECT_EQ(std::count(small.begin(), small.end(), 0x55), static_cast<long>(small.size()));
  EXPECT_FALSE(build_vm_acpi(c, Span<u8>()).ok());

  ByteVec ram(1 * MiB, 0x55);
  const Span<u8> view(ram.data(), ram.size());
  c.cpu_count = 0;
  t = build_vm_acpi(c, view);
  EXPECT_STREQ(t.error().what, "ACPI tables for a VM without vCPUs");
  c.cpu_count = kMaxVmAcpiCpus + 1;
  t = build_vm_acpi(c, view);
  EXPECT_STREQ(t.error().what, "more vCPUs than the ACPI tables describe (512)");
  c.cpu_count = 1;
  c.pm_timer_port = 0;
  t = build_vm_acpi(c, view);
  EXPECT_STREQ(t.error().what, "the ACPI PM timer needs an I/O port");
  EXPECT_EQ(std::count(ram.begin(), ram.end(), 0x55), static_cast<long>(ram.size()));
}

}  // namespace
}  // namespace nucleo

namespace nucleo {
namespace {

// With the I/O APIC: its MADT entry (ID 0, 0xFEC00000, GSI base 0) and the
// ISA override IRQ 0 -> GSI 2, after the processors, read back by the
// hypervisor's own MADT parser.
TEST(VmAcpi, GivenAnIoApicWhenTheMadtIsParsedThenItListsTheIoApicAndTheIrq0ToGsi2Override) {
  Rig r;
  VmAcpiConfig c;
  c.cpu_count = 3;
  c.ioapic = true;
  r.build(c);
  acpi::Madt madt;
  ASSERT_TRUE(acpi::parse_madt(r.table("APIC"), madt).ok());
  EXPECT_EQ(madt.cpu_count, 3u);
  EXPECT_EQ(madt.unknown_entries, 0u);
  ASSERT_EQ(madt.ioapic_count, 1u);
  EXPECT_EQ(madt.ioapics[0].id, 0u);
  EXPECT_EQ(madt.ioapics[0].address, 0xFEC00000u);
  EXPECT_EQ(madt.ioapics[0].gsi_base, 0u);
  ASSERT_EQ(madt.override_count, 1u);
  EXPECT_EQ(madt.overrides[0].bus, 0u);
  EXPECT_EQ(madt.overrides[0].source, 0u);
  EXPECT_EQ(madt.overrides[0].gsi, 2u);
  EXPECT_EQ(madt.overrides[0].flags, 0u);
  EXPECT_EQ(r.table("APIC").size(), 44u + 3 * 8 + 12 + 10);
  EXPECT_EQ(sum(r.table("APIC")), 0);
}

// FADT RESET_REG (offset 116, a GAS) and RESET_VALUE (128) with
// RESET_REG_SUP (flags bit 10), ACPI 6.5 Table 5.9 / 5.10.
TEST(VmAcpi, GivenAResetPortWhenBuiltThenTheFadtNamesTheByteRegisterAndValueAndSetsResetRegSup) {
  Rig r;
  VmAcpiConfig c;
  c.reset_port = 0xCF9;
  c.reset_value = 0x06;
  r.build(c);
  const u8* t = r.table("FACP").data();
  EXPECT_EQ(ByteVec(t + 116, t + 128), (ByteVec{1, 8, 0, 1, 0xF9, 0x0C, 0, 0, 0, 0, 0, 0}));
  EXPECT_EQ(t[128], 0x06);
  EXPECT_NE(load_le32(t + 112) & (1u << 10), 0u);
  EXPECT_EQ(sum(r.table("FACP")), 0);
  Rig plain;
  plain.build(1);
  EXPECT_EQ(load_le32(plain.table("FACP").data() + 112) & (1u << 10), 0u) << "no reset register: flag clear";
}

}  // namespace
}  // namespace nucleo

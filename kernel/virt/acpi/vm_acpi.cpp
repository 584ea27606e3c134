// SPDX-License-Identifier: MIT
#include "kernel/virt/acpi/vm_acpi.hpp"

namespace nucleo {

namespace {

constexpr usize kHeaderSize = 36;        // system description table header (ACPI 6.5, 5.2.6)
constexpr usize kRsdpSize = 36;          // revision 2 RSDP (5.2.5.3)
constexpr usize kFacsSize = 64;          // 5.2.10
constexpr usize kFadtSize = 244;         // FADT revision 4 (ACPI 3.0/4.0 layout)
constexpr usize kMadtFixedSize = 44;     // header + local APIC address + flags
constexpr usize kLocalApicEntry = 8;     // Processor Local APIC structure (5.2.12.2)
constexpr usize kLocalX2ApicEntry = 16;  // Processor Local x2APIC structure (5.2.12.12)
constexpr usize kIoApicEntry = 12;       // I/O APIC structure (5.2.12.3)
constexpr usize kOverrideEntry = 10;     // Interrupt Source Override structure (5.2.12.5)
constexpr u64 kIoApicBase = 0xFEC00000;
// APIC IDs from 255 up need x2APIC entries (255 is the xAPIC broadcast ID);
// below 255 the spec requires Local APIC entries (5.2.12.12).
constexpr u32 kFirstX2ApicId = 255;

// FADT Flags (Table 5.10).
constexpr u32 kFlagWbinvd = 1u << 0;          // WBINVD works (a no-op: a VM has no non-coherent DMA)
constexpr u32 kFlagProcC1 = 1u << 2;          // C1 (HLT) on every processor
constexpr u32 kFlagPowerButton = 1u << 4;     // no fixed-feature power button
constexpr u32 kFlagSleepButton = 1u << 5;     // no fixed-feature sleep button
constexpr u32 kFlagFixRtc = 1u << 6;          // no RTC wake status in PM1
constexpr u32 kFlagHeadless = 1u << 12;       // no monitor, keyboard or mouse to detect
constexpr u32 kFlagResetRegSup = 1u << 10;    // RESET_REG_SUP: RESET_REG works
constexpr u32 kFlagForcePhysical = 1u << 19;  // FORCE_APIC_PHYSICAL_DESTINATION_MODE
// IAPC_BOOT_ARCH (Table 5.11).
constexpr u16 kBootLegacyDevices = 1u << 0;
constexpr u16 kBootVgaNotPresent = 1u << 2;
constexpr u16 kBootMsiNotSupported = 1u << 3;
constexpr u16 kBootCmosRtcNotPresent = 1u << 5;
// Generic Address Structure (5.2.3.2).
constexpr u8 kSpaceSystemIo = 1;
constexpr u8 kAccessByte = 1;
constexpr u8 kAccessWord = 2;
constexpr u8 kAccessDword = 3;

struct Layout {
  u64 rsdp, facs, dsdt, fadt, madt, xsdt, rsdt, end;
  usize madt_size;
};

Layout plan(u32 cpus, bool ioapic) {
  const u32 xapic = min(cpus, kFirstX2ApicId);
  Layout l{};
  l.madt_size = kMadtFixedSize + xapic * kLocalApicEntry + (cpus - xapic) * kLocalX2ApicEntry +
                (ioapic ? kIoApicEntry + kOverrideEntry : 0);
  l.rsdp = kBiosAreaStart;                    // 16-byte aligned, where the scan starts
  l.facs = align_up(l.rsdp + kRsdpSize, 64);  // the FACS must be 64-byte aligned (5.2.10)
  l.dsdt = align_up(l.facs + kFacsSize, 16);
  l.fadt = align_up(l.dsdt + kHeaderSize, 16);
  l.madt = align_up(l.fadt + kFadtSize, 16);
  l.xsdt = align_up(l.madt + l.madt_size, 16);
  l.rsdt = align_up(l.xsdt + kHeaderSize + 2 * 8, 16);
  l.end = l.rsdt + kHeaderSize + 2 * 4;
  return l;
}

// Guest RAM seen from guest-physical 0; every address written was checked
// against the RAM size by build_vm_acpi before any write.
class GuestBytes {
 public:
  explicit GuestBytes(Span<u8> ram) : ram_(ram) {}
  void le(u64 gpa, u64 value, usize width) {
    for (usize i = 0; i < width; ++i) ram_[gpa + i] = static_cast<u8>(value >> (8 * i));
  }
  void text(u64 gpa, const char* s, usize n) {
    for (usize i = 0; i < n; ++i) ram_[gpa + i] = static_cast<u8>(s[i]);
  }
  void zero(u64 from, u64 to) {
    for (u64 a = from; a < to; ++a) ram_[a] = 0;
  }
  // The byte at gpa + at becomes what makes [gpa, gpa + length) sum to 0.
  void checksum(u64 gpa, usize length, usize at) {
    ram_[gpa + at] = 0;
    u8 sum = 0;
    for (usize i = 0; i < length; ++i) sum = static_cast<u8>(sum + ram_[gpa + i]);
    ram_[gpa + at] = static_cast<u8>(0x100 - sum);
  }
  void gas(u64 gpa, u8 space, u8 bit_width, u8 access, u64 address) {
    le(gpa, space, 1);
    le(gpa + 1, bit_width, 1);
    le(gpa + 2, 0, 1);  // bit offset
    le(gpa + 3, access, 1);
    le(gpa + 4, address, 8);
  }
  // Header fields (Table 5.4) but the checksum, set by seal() when the
  // table is complete.
  void header(u64 gpa, const char* signature, usize length, u8 revision) {
    text(gpa, signature, 4);
    le(gpa + 4, length, 4);
    le(gpa + 8, revision, 1);
    text(gpa + 10, "NUCLEO", 6);    // OEMID
    text(gpa + 16, "NUCLEOVM", 8);  // OEM Table ID
    le(gpa + 24, 1, 4);             // OEM Revision
    text(gpa + 28, "NUCL", 4);      // Creator ID
    le(gpa + 32, 1, 4);             // Creator Revision
  }
  void seal(u64 gpa, usize length) { checksum(gpa, length, 9); }

 private:
  Span<u8> ram_;
};

void write_rsdp(GuestBytes& g, const Layout& l) {  // 5.2.5.3
  g.text(l.rsdp, "RSD PTR ", 8);
  g.text(l.rsdp + 9, "NUCLEO", 6);
  g.le(l.rsdp + 15, 2, 1);  // revision 2: ACPI 2.0+ with an XSDT
  g.le(l.rsdp + 16, l.rsdt, 4);
  g.le(l.rsdp + 20, kRsdpSize, 4);
  g.le(l.rsdp + 24, l.xsdt, 8);
  g.checksum(l.rsdp, 20, 8);          // ACPI 1.0 checksum: first 20 bytes
  g.checksum(l.rsdp, kRsdpSize, 32);  // extended checksum: all 36
}

void write_facs(GuestBytes& g, const Layout& l) {  // 5.2.10: no checksum
  g.text(l.facs, "FACS", 4);
  g.le(l.facs + 4, kFacsSize, 4);
  // Hardware signature, waking vectors, global lock and flags stay 0: no
  // sleep state is offered, so nothing ever resumes through them.
  g.le(l.facs + 32, 2, 1);  // version 2 (ACPI 4.0 layout)
}

void write_dsdt(GuestBytes& g, const Layout& l) {
  // Revision 2: 64-bit AML integers. No AML: the virtual PC has no device
  // an OS must find through the namespace (see docs/virtual-platform.md).
  g.header(l.dsdt, "DSDT", kHeaderSize, 2);
  g.seal(l.dsdt, kHeaderSize);
}

void write_fadt(GuestBytes& g, const Layout& l, const VmAcpiConfig& c) {  // 5.2.9, Table 5.9
  const u64 t = l.fadt;
  g.header(t, "FACP", kFadtSize, 4);
  g.le(t + 36, l.facs, 4);  // FIRMWARE_CTRL (the same as X_FIRMWARE_CTRL)
  g.le(t + 40, l.dsdt, 4);  // DSDT (the same as X_DSDT)
  g.le(t + 45, 0, 1);       // Preferred_PM_Profile: unspecified
  g.le(t + 46, c.sci_irq, 2);
  // SMI_CMD, ACPI_ENABLE, ACPI_DISABLE = 0: no SMM, the platform is always
  // in ACPI mode, so an OS never tries the SMI handshake.
  g.le(t + 56, c.pm1a_event_port, 4);
  g.le(t + 64, c.pm1a_control_port, 4);
  g.le(t + 76, c.pm_timer_port, 4);
  g.le(t + 88, c.pm1a_event_port != 0 ? 4 : 0, 1);    // PM1_EVT_LEN
  g.le(t + 89, c.pm1a_control_port != 0 ? 2 : 0, 1);  // PM1_CNT_LEN
  g.le(t + 91, PmTimer::kLength, 1);                  // PM_TMR_LEN
  g.le(t + 96, 101, 2);                               // P_LVL2_LAT > 100: no C2
  g.le(t + 98, 1001, 2);                              // P_LVL3_LAT > 1000: no C3
  g.le(t + 108, 0, 1);                                // CENTURY: no century register claimed in the RTC
  u16 boot = kBootVgaNotPresent | kBootMsiNotSupported;
  if (c.legacy_devices) boot |= kBootLegacyDevices;
  if (!c.cmos_rtc) boot |= kBootCmosRtcNotPresent;
  g.le(t + 109, boot, 2);  // IAPC_BOOT_ARCH
  u32 flags = kFlagWbinvd | kFlagProcC1 | kFlagPowerButton | kFlagSleepButton | kFlagFixRtc | kFlagHeadless;
  // More than 8 xAPICs cannot all be reached in flat logical mode (5.2.9.4 / SDM Vol. 3A 11.6.2.2).
  if (c.cpu_count > 8) flags |= kFlagForcePhysical;
  g.le(t + 112, flags, 4);  // TMR_VAL_EXT (bit 8) clear: the PM timer has 24 bits
  if (c.reset_port != 0) {  // RESET_REG (offset 116) and RESET_VALUE (128)
    flags |= kFlagResetRegSup;
    g.le(t + 112, flags, 4);
    g.gas(t + 116, kSpaceSystemIo, 8, kAccessByte, c.reset_port);
    g.le(t + 128, c.reset_value, 1);
  }
  g.le(t + 132, l.facs, 8);  // X_FIRMWARE_CTRL
  g.le(t + 140, l.dsdt, 8);  // X_DSDT
  if (c.pm1a_event_port != 0) g.gas(t + 148, kSpaceSystemIo, 32, kAccessWord, c.pm1a_event_port);
  if (c.pm1a_control_port != 0) g.gas(t + 172, kSpaceSystemIo, 16, kAccessWord, c.pm1a_control_port);
  g.gas(t + 208, kSpaceSystemIo, 32, kAccessDword, c.pm_timer_port);  // X_PM_TMR_BLK
  g.seal(t, kFadtSize);
}

void write_madt(GuestBytes& g, const Layout& l, u32 cpus, bool ioapic) {  // 5.2.12
  g.header(l.madt, "APIC", l.madt_size, 3);                  // revision 3: ACPI 4.0, x2APIC entries
  g.le(l.madt + 36, kLocalApicBase, 4);
  g.le(l.madt + 40, 1, 4);  // PCAT_COMPAT: the 8259 pair exists (and must be masked to use the APIC)
  u64 e = l.madt + kMadtFixedSize;
  for (u32 id = 0; id < cpus; ++id) {
    if (id < kFirstX2ApicId) {
      g.le(e, 0, 1);  // type 0: Processor Local APIC
      g.le(e + 1, kLocalApicEntry, 1);
      g.le(e + 2, id, 1);  // ACPI processor UID
      g.le(e + 3, id, 1);  // APIC ID
      g.le(e + 4, 1, 4);   // enabled
      e += kLocalApicEntry;
    } else {
      g.le(e, 9, 1);  // type 9: Processor Local x2APIC
      g.le(e + 1, kLocalX2ApicEntry, 1);
      g.le(e + 4, id, 4);   // x2APIC ID
      g.le(e + 8, 1, 4);    // enabled
      g.le(e + 12, id, 4);  // ACPI processor UID
      e += kLocalX2ApicEntry;
    }
  }
  if (ioapic) {
    g.le(e, 1, 1);  // type 1: I/O APIC
    g.le(e + 1, kIoApicEntry, 1);
    g.le(e + 2, 0, 1);  // I/O APIC ID 0 (its ID register's reset value), as QEMU's tables say
    g.le(e + 4, kIoApicBase, 4);
    g.le(e + 8, 0, 4);  // global system interrupt base: its pins are GSIs 0-23
    e += kIoApicEntry;
    // ISA IRQ 0 (the PIT) arrives on GSI 2, as on every PC chipset; the
    // other ISA IRQs are identity-mapped and need no entry. Flags 0:
    // polarity and trigger conform to the bus (ISA: active high, edge).
    g.le(e, 2, 1);  // type 2: Interrupt Source Override
    g.le(e + 1, kOverrideEntry, 1);
    g.le(e + 2, 0, 1);  // bus 0: ISA
    g.le(e + 3, 0, 1);  // source: IRQ 0
    g.le(e + 4, 2, 4);  // GSI 2
    g.le(e + 8, 0, 2);  // MPS INTI flags
  }
  g.seal(l.madt, l.madt_size);
}

void write_roots(GuestBytes& g, const Layout& l) {  // 5.2.7, 5.2.8: the FADT first
  g.header(l.xsdt, "XSDT", kHeaderSize + 2 * 8, 1);
  g.le(l.xsdt + 36, l.fadt, 8);
  g.le(l.xsdt + 44, l.madt, 8);
  g.seal(l.xsdt, kHeaderSize + 2 * 8);
  g.header(l.rsdt, "RSDT", kHeaderSize + 2 * 4, 1);
  g.le(l.rsdt + 36, l.fadt, 4);
  g.le(l.rsdt + 40, l.madt, 4);
  g.seal(l.rsdt, kHeaderSize + 2 * 4);
}

}  // namespace

Result<VmAcpiTables> build_vm_acpi(const VmAcpiConfig& config, Span<u8> ram) {
  if (ram.size() < kBiosAreaEnd)
    return make_error(Status::invalid_argument, "VM RAM ends below 1 MiB: no BIOS area for the ACPI tables",
                      ram.size());
  if (config.cpu_count == 0) return make_error(Status::invalid_argument, "ACPI tables for a VM without vCPUs");
  if (config.cpu_count > kMaxVmAcpiCpus)
    return make_error(Status::invalid_argument, "more vCPUs than the ACPI tables describe (512)", config.cpu_count);
  if (config.pm_timer_port == 0) return make_error(Status::invalid_argument, "the ACPI PM timer needs an I/O port");
  const Layout l = plan(config.cpu_count, config.ioapic);
  if (l.end > kBiosAreaEnd)  // cannot happen for 512 vCPUs (about 8.5 KiB); kept as the guard
    return make_error(Status::out_of_memory, "ACPI tables do not fit in the BIOS area", l.end);

  GuestBytes g(ram);
  g.zero(l.rsdp, l.end);  // padding and reserved fields read 0
  write_facs(g, l);
  write_dsdt(g, l);
  write_fadt(g, l, config);
  write_madt(g, l, config.cpu_count, config.ioapic);
  write_roots(g, l);
  write_rsdp(g, l);
  return VmAcpiTables{l.rsdp, l.end};
}

}  // namespace nucleo

// SPDX-License-Identifier: MIT
// ACPI tables as untrusted input (ACPI 6.5, chapter 5.2): RSDP, RSDT/XSDT,
// FADT, and the \_S5 sleep type in the DSDT's AML. Every table is checked for
// signature, length and checksum before a field is read. Pure code: physical
// memory is reached through the PhysMemory seam, faked in host tests.
#pragma once

#include "kernel/lib/result.hpp"
#include "kernel/lib/span.hpp"
#include "kernel/lib/str.hpp"

namespace nucleo::acpi {

// A window onto physical memory; returns an empty span for ranges it cannot
// (or will not) show, e.g. outside RAM or the direct map.
class PhysMemory {
 public:
  virtual Bytes read(u64 phys, usize length) = 0;

 protected:
  ~PhysMemory() = default;
};

constexpr usize kSdtHeaderSize = 36;
constexpr u32 kMaxTableLength = 1u << 20;  // sanity bound on untrusted lengths

bool checksum_ok(Bytes bytes);

// RSDP (5.2.5): "RSD PTR ", checksum over 20 bytes; revision >= 2 adds the
// XSDT address and an extended checksum over `length` bytes.
struct Rsdp {
  u8 revision = 0;
  u32 rsdt = 0;
  u64 xsdt = 0;
};
Result<Rsdp> parse_rsdp(Bytes bytes);

// BIOS machines without an RSDP tag: the first KiB of the EBDA (segment at
// 0x40E) then 0xE0000-0xFFFFF, on 16-byte boundaries (5.2.5.1). Returns the
// physical address of the first valid RSDP.
Result<u64> scan_bios_areas_for_rsdp(PhysMemory& mem);

// A whole table whose header, length and checksum have been validated.
Result<Bytes> load_table(PhysMemory& mem, u64 phys, Str signature);

// Looks `signature` up in the XSDT (preferred) or the RSDT.
Result<Bytes> find_table(PhysMemory& mem, const Rsdp& rsdp, Str signature);

// FADT fields nucleo uses (5.2.9). Ports are 0 when absent.
struct Fadt {
  u64 dsdt = 0;
  u32 smi_cmd = 0;
  u8 acpi_enable = 0;
  u32 pm1a_cnt = 0;
  u32 pm1b_cnt = 0;
  u32 pm_timer = 0;
  u8 pm_timer_length = 0;
  u32 flags = 0;
  // RESET_REG (generic address, 5.2.3.2) and RESET_VALUE; FADT flag bit 10.
  bool has_reset = false;
  u8 reset_space = 0;  // 0 memory, 1 I/O, 2 PCI config
  u64 reset_address = 0;
  u8 reset_value = 0;
  bool pm_timer_32bit() const { return (flags & (1u << 8)) != 0; }  // TMR_VAL_EXT
};
Result<Fadt> parse_fadt(Bytes table);

// HPET description table (IA-PC HPET specification 1.0a, 3.2.4).
struct Hpet {
  u64 address = 0;  // MMIO base of the event timer block
  u8 number = 0;
  u16 min_tick = 0;
};
Result<Hpet> parse_hpet(Bytes table);

// SLP_TYPa/SLP_TYPb of the \_S5 package (7.4.2.6), found by scanning the AML
// for `NameOp _S5_ PackageOp` rather than interpreting it.
struct SleepType {
  u8 a = 0;
  u8 b = 0;
};
Result<SleepType> find_s5(Bytes dsdt);

}  // namespace nucleo::acpi

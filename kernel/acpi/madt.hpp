// SPDX-License-Identifier: MIT
// MADT (ACPI 6.5, 5.2.12): the processors, I/O APICs, interrupt source
// overrides and NMI wiring of the machine. Untrusted input: every entry is
// bounds-checked; a table that lies stops the parse with an error naming the
// entry, and the caller falls back to what it can trust (the boot CPU).
#pragma once

#include "kernel/lib/result.hpp"
#include "kernel/lib/span.hpp"

namespace nucleo::acpi {

struct MadtCpu {
  u32 apic_id = 0;
  u32 uid = 0;             // ACPI processor UID
  bool enabled = false;    // flags bit 0: usable now
  bool online_capable = false;  // flags bit 1: may be hot-added (not started)
  bool from_x2apic_entry = false;
};

struct MadtIoApic {
  u8 id = 0;
  u32 address = 0;
  u32 gsi_base = 0;
};

struct MadtOverride {  // ISA IRQ -> GSI (5.2.12.5)
  u8 bus = 0;
  u8 source = 0;
  u32 gsi = 0;
  u16 flags = 0;
};

struct MadtLapicNmi {  // which LINT pin carries NMI (5.2.12.7 / 5.2.12.13)
  u32 uid = 0;         // 0xFF / 0xFFFFFFFF: all processors
  u16 flags = 0;
  u8 lint = 0;
};

struct Madt {
  static constexpr usize kMaxCpus = 512;
  static constexpr usize kMaxIoApics = 16;
  static constexpr usize kMaxOverrides = 32;
  static constexpr usize kMaxNmis = 16;

  u64 lapic_address = 0;  // from the header, or the 64-bit override entry
  bool pcat_compat = false;  // dual 8259s present (must be masked)

  MadtCpu cpus[kMaxCpus];
  usize cpu_count = 0;
  usize cpus_dropped = 0;  // beyond kMaxCpus
  usize duplicate_cpus = 0;
  MadtIoApic ioapics[kMaxIoApics];
  usize ioapic_count = 0;
  MadtOverride overrides[kMaxOverrides];
  usize override_count = 0;
  MadtLapicNmi nmis[kMaxNmis];
  usize nmi_count = 0;
  usize unknown_entries = 0;

  usize enabled_cpus() const;
};

// table: the whole MADT, header included (signature/checksum already checked
// by load_table). out holds what was parsed before any error.
Error parse_madt(Bytes table, Madt& out);

}  // namespace nucleo::acpi

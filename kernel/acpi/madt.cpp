// SPDX-License-Identifier: MIT
#include "kernel/acpi/madt.hpp"

#include "kernel/acpi/tables.hpp"

namespace nucleo::acpi {

namespace {

enum EntryType : u8 {
  kLocalApic = 0,
  kIoApic = 1,
  kSourceOverride = 2,
  kNmiSource = 3,
  kLocalApicNmi = 4,
  kLocalApicAddressOverride = 5,
  kLocalX2Apic = 9,
  kLocalX2ApicNmi = 10,
};

// Minimum lengths by type (ACPI 6.5, Tables 5.44-5.61).
constexpr u8 min_length(u8 type) {
  switch (type) {
    case kLocalApic: return 8;
    case kIoApic: return 12;
    case kSourceOverride: return 10;
    case kNmiSource: return 8;
    case kLocalApicNmi: return 6;
    case kLocalApicAddressOverride: return 12;
    case kLocalX2Apic: return 16;
    case kLocalX2ApicNmi: return 12;
    default: return 2;
  }
}

void add_cpu(Madt& out, u32 apic_id, u32 uid, u32 flags, bool x2apic) {
  for (usize i = 0; i < out.cpu_count; ++i) {
    if (out.cpus[i].apic_id == apic_id) {  // listed twice (e.g. xAPIC and x2APIC entry)
      ++out.duplicate_cpus;
      return;
    }
  }
  if (out.cpu_count == Madt::kMaxCpus) {
    ++out.cpus_dropped;
    return;
  }
  out.cpus[out.cpu_count++] = MadtCpu{apic_id, uid, (flags & 1) != 0, (flags & 2) != 0, x2apic};
}

void add_nmi(Madt& out, u32 uid, u16 flags, u8 lint) {
  if (out.nmi_count < Madt::kMaxNmis) out.nmis[out.nmi_count++] = MadtLapicNmi{uid, flags, lint};
}

}  // namespace

usize Madt::enabled_cpus() const {
  usize n = 0;
  for (usize i = 0; i < cpu_count; ++i) n += cpus[i].enabled ? 1 : 0;
  return n;
}

Error parse_madt(Bytes table, Madt& out) {
  out = Madt{};
  if (table.size() < kSdtHeaderSize + 8) return make_error(Status::truncated, "MADT shorter than its 44-byte header");
  out.lapic_address = load_le32(table.data() + 36);
  out.pcat_compat = (load_le32(table.data() + 40) & 1) != 0;

  const Bytes entries = table.subspan(kSdtHeaderSize + 8);
  usize off = 0;
  while (off < entries.size()) {
    if (off + 2 > entries.size()) return make_error(Status::truncated, "MADT entry header cut off by the table end", 44 + off);
    const u8 type = entries[off];
    const u8 length = entries[off + 1];
    if (length < 2) return make_error(Status::malformed, "MADT entry with length below 2 (would loop forever)", 44 + off);
    if (off + length > entries.size()) return make_error(Status::truncated, "MADT entry extends past the table end", 44 + off);
    if (length < min_length(type)) return make_error(Status::malformed, "MADT entry shorter than its type requires", 44 + off);
    const u8* e = entries.data() + off;
    switch (type) {
      case kLocalApic:
        add_cpu(out, e[3], e[2], load_le32(e + 4), false);
        break;
      case kLocalX2Apic:
        add_cpu(out, load_le32(e + 4), load_le32(e + 12), load_le32(e + 8), true);
        break;
      case kIoApic:
        if (out.ioapic_count < Madt::kMaxIoApics)
          out.ioapics[out.ioapic_count++] = MadtIoApic{e[2], load_le32(e + 4), load_le32(e + 8)};
        break;
      case kSourceOverride:
        if (out.override_count < Madt::kMaxOverrides)
          out.overrides[out.override_count++] = MadtOverride{e[2], e[3], load_le32(e + 4), load_le16(e + 8)};
        break;
      case kLocalApicNmi:
        add_nmi(out, e[2] == 0xFF ? 0xFFFFFFFF : e[2], load_le16(e + 3), e[5]);
        break;
      case kLocalX2ApicNmi:
        add_nmi(out, load_le32(e + 4), load_le16(e + 2), e[8]);
        break;
      case kLocalApicAddressOverride:
        out.lapic_address = load_le64(e + 4);
        break;
      case kNmiSource:
        break;  // I/O APIC NMI sources: no I/O APIC driver yet
      default:
        ++out.unknown_entries;  // GIC, SAPIC, ...: not for x86-64 CPUs we start
        break;
    }
    off += length;
  }
  return {};
}

}  // namespace nucleo::acpi

// SPDX-License-Identifier: MIT
#include "kernel/acpi/tables.hpp"

namespace nucleo::acpi {

bool checksum_ok(Bytes bytes) {
  u8 sum = 0;
  for (u8 b : bytes) sum = static_cast<u8>(sum + b);
  return sum == 0;
}

namespace {

bool has_signature(Bytes b, Str sig) {
  if (b.size() < sig.size()) return false;
  for (usize i = 0; i < sig.size(); ++i)
    if (b[i] != static_cast<u8>(sig[i])) return false;
  return true;
}

// AML data object holding a small integer (ACPI 6.5, 20.2.3).
bool aml_small_integer(Bytes aml, usize& pos, u8& value) {
  if (pos >= aml.size()) return false;
  switch (aml[pos]) {
    case 0x00: value = 0; pos += 1; return true;  // ZeroOp
    case 0x01: value = 1; pos += 1; return true;  // OneOp
    case 0x0A:                                    // BytePrefix
      if (pos + 1 >= aml.size()) return false;
      value = aml[pos + 1];
      pos += 2;
      return true;
    case 0x0B:  // WordPrefix: sleep types are 3 bits, keep the low byte
      if (pos + 2 >= aml.size()) return false;
      value = aml[pos + 1];
      pos += 3;
      return true;
    default:
      return false;
  }
}

}  // namespace

Result<Rsdp> parse_rsdp(Bytes b) {
  if (b.size() < 20) return make_error(Status::truncated, "RSDP shorter than 20 bytes");
  if (!has_signature(b, "RSD PTR ")) return make_error(Status::malformed, "RSDP signature is not 'RSD PTR '");
  if (!checksum_ok(b.subspan(0, 20))) return make_error(Status::malformed, "RSDP checksum is wrong");
  Rsdp r;
  r.revision = b[15];
  r.rsdt = load_le32(b.data() + 16);
  if (r.revision >= 2) {
    if (b.size() < 36) return make_error(Status::truncated, "ACPI 2.0 RSDP shorter than 36 bytes");
    const u32 length = load_le32(b.data() + 20);
    if (length < 36 || length > b.size()) return make_error(Status::malformed, "ACPI 2.0 RSDP length is out of range");
    if (!checksum_ok(b.subspan(0, length))) return make_error(Status::malformed, "ACPI 2.0 RSDP extended checksum is wrong");
    r.xsdt = load_le64(b.data() + 24);
  }
  return r;
}

namespace {
Result<u64> scan_for_rsdp(PhysMemory& mem, u64 base, u64 length) {
  const Bytes area = mem.read(base, static_cast<usize>(length));
  for (usize off = 0; off + 20 <= area.size(); off += 16)
    if (parse_rsdp(area.subspan(off))) return base + off;
  return make_error(Status::not_found, "no RSDP in the area");
}
}  // namespace

Result<u64> scan_bios_areas_for_rsdp(PhysMemory& mem) {
  const Bytes ebda_segment = mem.read(0x40E, 2);
  if (ebda_segment.size() == 2) {
    const u64 ebda = u64{load_le16(ebda_segment.data())} << 4;
    if (ebda >= 0x80000 && ebda < 0xA0000) {
      const Result<u64> found = scan_for_rsdp(mem, ebda, 1024);
      if (found) return found;
    }
  }
  const Result<u64> found = scan_for_rsdp(mem, 0xE0000, 0x20000);
  if (found) return found;
  return make_error(Status::not_found, "no RSDP in the EBDA or the BIOS area 0xE0000-0xFFFFF");
}

Result<Bytes> load_table(PhysMemory& mem, u64 phys, Str signature) {
  if (phys == 0) return make_error(Status::not_found, "table address is zero");
  const Bytes header = mem.read(phys, kSdtHeaderSize);
  if (header.size() < kSdtHeaderSize) return make_error(Status::truncated, "table header is not readable", phys);
  if (!has_signature(header, signature)) return make_error(Status::malformed, "table signature does not match", phys);
  const u32 length = load_le32(header.data() + 4);
  if (length < kSdtHeaderSize || length > kMaxTableLength)
    return make_error(Status::malformed, "table length is out of range", phys);
  const Bytes table = mem.read(phys, length);
  if (table.size() < length) return make_error(Status::truncated, "table extends past readable memory", phys);
  if (!checksum_ok(table)) return make_error(Status::malformed, "table checksum is wrong", phys);
  return table;
}

Result<Bytes> find_table(PhysMemory& mem, const Rsdp& rsdp, Str signature) {
  const bool use_xsdt = rsdp.revision >= 2 && rsdp.xsdt != 0;
  const Result<Bytes> root = use_xsdt ? load_table(mem, rsdp.xsdt, "XSDT") : load_table(mem, rsdp.rsdt, "RSDT");
  if (!root) return root.error();
  const usize entry = use_xsdt ? 8 : 4;
  const Bytes entries = root.value().subspan(kSdtHeaderSize);
  for (usize off = 0; off + entry <= entries.size(); off += entry) {
    const u64 phys = use_xsdt ? load_le64(entries.data() + off) : load_le32(entries.data() + off);
    const Bytes header = mem.read(phys, kSdtHeaderSize);
    if (header.size() == kSdtHeaderSize && has_signature(header, signature)) return load_table(mem, phys, signature);
  }
  return make_error(Status::not_found, "table not listed in the RSDT/XSDT");
}

Result<Fadt> parse_fadt(Bytes t) {
  // ACPI 1.0 FADTs are 116 bytes; the fields below DSDT..FLAGS exist in all.
  if (t.size() < 116) return make_error(Status::truncated, "FADT shorter than the ACPI 1.0 layout (116 bytes)");
  Fadt f;
  f.dsdt = load_le32(t.data() + 40);
  f.smi_cmd = load_le32(t.data() + 48);
  f.acpi_enable = t[52];
  f.pm1a_cnt = load_le32(t.data() + 64);
  f.pm1b_cnt = load_le32(t.data() + 68);
  f.pm_timer = load_le32(t.data() + 76);
  f.pm_timer_length = t[91];
  f.flags = load_le32(t.data() + 112);
  if (t.size() >= 129 && (f.flags & (1u << 10)) != 0) {  // RESET_REG_SUP
    f.has_reset = true;
    f.reset_space = t[116];
    f.reset_address = load_le64(t.data() + 120);
    f.reset_value = t[128];
  }
  if (t.size() >= 148) {  // X_DSDT (ACPI 2.0+) wins when set
    const u64 x_dsdt = load_le64(t.data() + 140);
    if (x_dsdt != 0) f.dsdt = x_dsdt;
  }
  return f;
}

Result<Hpet> parse_hpet(Bytes t) {
  if (t.size() < 56) return make_error(Status::truncated, "HPET table shorter than 56 bytes");
  if (t[40] != 0) return make_error(Status::unsupported, "HPET registers not in system memory");
  Hpet h;
  h.address = load_le64(t.data() + 44);
  h.number = t[52];
  h.min_tick = load_le16(t.data() + 53);
  if (h.address == 0) return make_error(Status::malformed, "HPET base address is zero");
  return h;
}

Result<SleepType> find_s5(Bytes dsdt) {
  const Bytes aml = dsdt.subspan(kSdtHeaderSize);
  for (usize i = 0; i + 4 < aml.size(); ++i) {
    if (!has_signature(aml.subspan(i), "_S5_")) continue;
    // NameOp (0x08), optionally with the root prefix '\', right before it.
    const bool named = (i >= 1 && aml[i - 1] == 0x08) || (i >= 2 && aml[i - 1] == '\\' && aml[i - 2] == 0x08);
    usize pos = i + 4;
    if (!named || pos >= aml.size() || aml[pos] != 0x12) continue;  // PackageOp
    ++pos;
    if (pos >= aml.size()) break;
    pos += 1 + (aml[pos] >> 6);  // PkgLength: lead byte bits 7:6 = extra bytes
    pos += 1;                    // NumElements
    SleepType s;
    if (!aml_small_integer(aml, pos, s.a)) continue;
    if (!aml_small_integer(aml, pos, s.b)) s.b = 0;
    return s;
  }
  return make_error(Status::not_found, "no \\_S5 package in the DSDT");
}

}  // namespace nucleo::acpi

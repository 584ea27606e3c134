// SPDX-License-Identifier: MIT
// Test support: ACPI structures with correct checksums (RSDP, SDT headers,
// RSDT/XSDT, FADT, DSDT) and a fake physical memory to place them in.
#pragma once

#include "kernel/acpi/tables.hpp"

#include <map>
#include <string>
#include <vector>

namespace nucleo::test {

using ByteVec = std::vector<u8>;

inline void put_le(ByteVec& v, usize at, u64 x, usize width) {
  if (v.size() < at + width) v.resize(at + width, 0);
  for (usize i = 0; i < width; ++i) v[at + i] = static_cast<u8>(x >> (8 * i));
}

// The byte at `at` becomes whatever makes bytes [from, to) sum to zero.
inline void fix_checksum(ByteVec& v, usize at, usize from, usize to) {
  v[at] = 0;
  u8 sum = 0;
  for (usize i = from; i < to; ++i) sum = static_cast<u8>(sum + v[i]);
  v[at] = static_cast<u8>(0x100 - sum);
}

inline ByteVec rsdp_v1(u32 rsdt, const char* oem = "NUCLEO") {
  ByteVec v(20, 0);
  for (usize i = 0; i < 8; ++i) v[i] = static_cast<u8>("RSD PTR "[i]);
  for (usize i = 0; i < 6 && oem[i]; ++i) v[9 + i] = static_cast<u8>(oem[i]);
  put_le(v, 16, rsdt, 4);
  fix_checksum(v, 8, 0, 20);
  return v;
}

inline ByteVec rsdp_v2(u32 rsdt, u64 xsdt, u8 revision = 2) {
  ByteVec v = rsdp_v1(rsdt);
  v.resize(36, 0);
  v[15] = revision;
  put_le(v, 20, 36, 4);
  put_le(v, 24, xsdt, 8);
  fix_checksum(v, 8, 0, 20);
  fix_checksum(v, 32, 0, 36);
  return v;
}

// A table: 36-byte header (signature, length, revision 1, checksum) + body.
inline ByteVec sdt(const std::string& signature, const ByteVec& body) {
  ByteVec v(36, 0);
  for (usize i = 0; i < 4; ++i) v[i] = static_cast<u8>(signature.at(i));
  v[8] = 1;
  for (usize i = 0; i < 6; ++i) v[10 + i] = static_cast<u8>("NUCLEO"[i]);
  v.insert(v.end(), body.begin(), body.end());
  put_le(v, 4, v.size(), 4);
  fix_checksum(v, 9, 0, v.size());
  return v;
}

inline ByteVec rsdt(const std::vector<u32>& entries) {
  ByteVec body;
  for (u32 e : entries) put_le(body, body.size(), e, 4);
  return sdt("RSDT", body);
}

inline ByteVec xsdt(const std::vector<u64>& entries) {
  ByteVec body;
  for (u64 e : entries) put_le(body, body.size(), e, 8);
  return sdt("XSDT", body);
}

struct FadtFields {
  u32 dsdt = 0;
  u64 x_dsdt = 0;
  u32 smi_cmd = 0xb2;
  u8 acpi_enable = 0xf1;
  u32 pm1a_cnt = 0x604;
  u32 pm1b_cnt = 0;
  u32 pm_timer = 0x608;
  u8 pm_timer_length = 4;
  u32 flags = 0x80a5;
};

// A FADT of `length` bytes (116: ACPI 1.0, 244: ACPI 2.0+), fields at their
// ACPI 6.5 table 5.9 offsets.
inline ByteVec fadt(const FadtFields& f, usize length = 244) {
  ByteVec v(length, 0);
  put_le(v, 40, f.dsdt, 4);
  put_le(v, 48, f.smi_cmd, 4);
  v[52] = f.acpi_enable;
  put_le(v, 64, f.pm1a_cnt, 4);
  put_le(v, 68, f.pm1b_cnt, 4);
  put_le(v, 76, f.pm_timer, 4);
  v[91] = f.pm_timer_length;
  put_le(v, 112, f.flags, 4);
  if (length >= 148) put_le(v, 140, f.x_dsdt, 8);
  v.resize(length);
  return sdt("FACP", ByteVec(v.begin() + 36, v.end()));
}

// Physical memory as a few chunks; a read must lie wholly inside one chunk,
// anything else (holes, straddling two chunks) reads as empty.
class FakeMemory final : public acpi::PhysMemory {
 public:
  void put(u64 phys, const ByteVec& bytes) { chunks_[phys] = bytes; }
  ByteVec& at(u64 phys) { return chunks_.at(phys); }

  Bytes read(u64 phys, usize length) override {
    ++reads;
    auto it = chunks_.upper_bound(phys);
    if (it == chunks_.begin()) return {};
    --it;
    const u64 offset = phys - it->first;
    if (offset > it->second.size() || length > it->second.size() - offset) return {};
    return Bytes(it->second.data() + offset, length);
  }

  int reads = 0;

 private:
  std::map<u64, ByteVec> chunks_;
};

}  // namespace nucleo::test

// SPDX-License-Identifier: MIT
// libFuzzer target: arbitrary bytes as physical memory at kBase, walked the
// way the kernel does (RSDP -> RSDT/XSDT -> FADT -> DSDT -> \_S5), plus each
// parser applied to the bytes directly, plus the BIOS-area RSDP scan with the
// bytes as the EBDA or as 0xE0000-. Reads clamp at the end of the bytes (a
// shorter span than asked), which the parsers must handle.
// Seeds: host-tests/data/acpi_fuzz/ (made by host-tests/fuzz/make_acpi_seeds.py).
#include "kernel/acpi/madt.hpp"
#include "kernel/acpi/tables.hpp"

#include "host-tests/fuzz/fuzz_check.hpp"

namespace {

using namespace nucleo;
using namespace nucleo::acpi;

constexpr u64 kBase = 0x10000;  // where the input sits; seeds use this address

class Windows final : public PhysMemory {
 public:
  void add(u64 base, const u8* data, usize size) { windows_[count_++] = {base, data, size}; }
  Bytes read(u64 phys, usize length) override {
    for (usize i = 0; i < count_; ++i) {
      const Window& w = windows_[i];
      if (phys < w.base || phys - w.base > w.size) continue;
      const usize off = static_cast<usize>(phys - w.base);
      return Bytes(w.data + off, min(length, w.size - off));
    }
    return {};
  }
  bool inside(Bytes b) const {
    for (usize i = 0; i < count_; ++i)
      if (b.data() >= windows_[i].data && b.data() + b.size() <= windows_[i].data + windows_[i].size) return true;
    return false;
  }

 private:
  struct Window {
    u64 base;
    const u8* data;
    usize size;
  };
  Window windows_[2];
  usize count_ = 0;
};

// A table handed out by load_table/find_table is whole, valid and in memory.
void check_table(const Windows& mem, const Result<Bytes>& t, const char* signature) {
  if (!t.ok()) {
    NUCLEO_FUZZ_CHECK(t.error().what != nullptr && t.error().what[0] != '\0');
    return;
  }
  const Bytes b = t.value();
  NUCLEO_FUZZ_CHECK(b.size() >= kSdtHeaderSize && b.size() <= kMaxTableLength && mem.inside(b));
  NUCLEO_FUZZ_CHECK(load_le32(b.data() + 4) == b.size() && checksum_ok(b));
  for (usize i = 0; i < 4; ++i) NUCLEO_FUZZ_CHECK(b[i] == static_cast<u8>(signature[i]));
}

volatile u8 g_sink;

void walk_from(Windows& mem, const Rsdp& rsdp) {
  const Result<Bytes> facp = find_table(mem, rsdp, "FACP");
  check_table(mem, facp, "FACP");
  check_table(mem, find_table(mem, rsdp, "APIC"), "APIC");
  if (!facp.ok()) return;
  const Result<Fadt> fadt = parse_fadt(facp.value());
  if (!fadt.ok()) return;
  const Result<Bytes> dsdt = load_table(mem, fadt->dsdt, "DSDT");
  check_table(mem, dsdt, "DSDT");
  if (!dsdt.ok()) return;
  const Result<SleepType> s5 = find_s5(dsdt.value());
  if (s5.ok()) g_sink = static_cast<u8>(s5->a ^ s5->b);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const u8* data, usize size) {
  const Bytes input(data, size);
  Windows mem;
  mem.add(kBase, data, size);

  // As the kernel walks it, from an RSDP at kBase...
  const Result<Rsdp> rsdp = parse_rsdp(input);
  if (rsdp.ok()) {
    NUCLEO_FUZZ_CHECK(size >= 20);
    walk_from(mem, rsdp.value());
  }
  // ...and from root tables at kBase directly, so the fuzzer need not solve the RSDP checksum first.
  walk_from(mem, Rsdp{0, static_cast<u32>(kBase), 0});
  walk_from(mem, Rsdp{2, 0, kBase});

  // Each parser on the raw bytes.
  static const char* const kSignatures[] = {"RSDT", "XSDT", "FACP", "DSDT"};
  for (const char* sig : kSignatures) check_table(mem, load_table(mem, kBase, sig), sig);
  const Result<Fadt> fadt = parse_fadt(input);
  NUCLEO_FUZZ_CHECK(fadt.ok() == (size >= 116));
  const Result<SleepType> s5 = find_s5(input);
  if (s5.ok()) g_sink = s5->a;
  g_sink = checksum_ok(input);
  const Result<Hpet> hpet = parse_hpet(input);
  if (hpet.ok()) NUCLEO_FUZZ_CHECK(hpet->address != 0);
  static Madt madt;  // 10 KiB: not on the fuzzer's stack
  const Error madt_error = parse_madt(input, madt);
  NUCLEO_FUZZ_CHECK(madt.cpu_count <= Madt::kMaxCpus && madt.ioapic_count <= Madt::kMaxIoApics);
  NUCLEO_FUZZ_CHECK(madt.enabled_cpus() <= madt.cpu_count);
  if (madt_error.ok()) NUCLEO_FUZZ_CHECK(size >= 44);

  // The BIOS-area scan: the bytes as the EBDA (segment 0x9FC0 at 0x40E), then as 0xE0000-.
  static const u8 kEbdaPointer[2] = {0xC0, 0x9F};
  Windows ebda;
  ebda.add(0x40E, kEbdaPointer, 2);
  ebda.add(0x9FC00, data, size);
  Result<u64> found = scan_bios_areas_for_rsdp(ebda);
  if (found.ok()) {
    NUCLEO_FUZZ_CHECK(found.value() >= 0x9FC00 && found.value() % 16 == 0 && found.value() - 0x9FC00 + 20 <= min<usize>(size, 1024));
    NUCLEO_FUZZ_CHECK(parse_rsdp(input.subspan(static_cast<usize>(found.value() - 0x9FC00))).ok());
  }
  Windows bios;
  bios.add(0xE0000, data, size);
  found = scan_bios_areas_for_rsdp(bios);
  if (found.ok()) NUCLEO_FUZZ_CHECK(found.value() >= 0xE0000 && found.value() % 16 == 0 && found.value() - 0xE0000 + 20 <= size);
  return 0;
}

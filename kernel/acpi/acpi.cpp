// SPDX-License-Identifier: MIT
#include "kernel/acpi/acpi.hpp"

#include "kernel/console/log.hpp"
#include "kernel/memory/direct_map.hpp"
#include "kernel/power/power.hpp"

namespace nucleo::acpi {

namespace {

constinit Platform g_platform;

// Physical memory through the direct map, refusing what it does not cover.
class DirectMapMemory final : public PhysMemory {
 public:
  Bytes read(u64 phys, usize length) override {
    if (phys + length < phys || phys + length > direct_map_limit()) return {};
    return Bytes(phys_to_virt<const u8>(phys), length);
  }
};

void report(const char* what, const Error& e) {
  log::warn("acpi: {}: {} ({}, at {:#x})", what, e.what, status_name(e.status), e.offset);
}

Result<Rsdp> locate_rsdp(const mb2::BootInfo& info, PhysMemory& mem) {
  Result<Rsdp> rsdp = make_error(Status::not_found, "the boot loader passed no RSDP");
  if (!info.acpi_rsdp_v2.empty()) rsdp = parse_rsdp(info.acpi_rsdp_v2);
  if (!rsdp && !info.acpi_rsdp_v1.empty()) rsdp = parse_rsdp(info.acpi_rsdp_v1);
  if (!rsdp && !info.booted_by_efi()) {
    const Result<u64> at = scan_bios_areas_for_rsdp(mem);
    if (at) rsdp = parse_rsdp(mem.read(at.value(), 36));
  }
  return rsdp;
}

void hex_dump(Str label, u64 phys, Bytes bytes) {
  for (usize off = 0; off < bytes.size(); off += 32) {
    char hex[80];
    BufferSink line(hex, sizeof hex);
    for (u8 b : bytes.subspan(off, 32)) format(line, "{:02x}", b);
    log::info("acpi-hex {} {:#x} {}: {}", label, phys, off, line.view());
  }
}

// dump=acpi: every table of the RSDT/XSDT and the DSDT as hex lines, so real
// tables can be captured from any machine for the host tests.
void dump_tables(PhysMemory& mem, const Rsdp& rsdp) {
  const bool xsdt = rsdp.revision >= 2 && rsdp.xsdt != 0;
  const u64 root_phys = xsdt ? rsdp.xsdt : rsdp.rsdt;
  const Result<Bytes> root = load_table(mem, root_phys, xsdt ? "XSDT" : "RSDT");
  if (!root) return report("dump", root.error());
  hex_dump(xsdt ? "XSDT" : "RSDT", root_phys, root.value());
  const usize entry = xsdt ? 8 : 4;
  const Bytes entries = root.value().subspan(kSdtHeaderSize);
  for (usize off = 0; off + entry <= entries.size(); off += entry) {
    const u64 phys = xsdt ? load_le64(entries.data() + off) : load_le32(entries.data() + off);
    const Bytes header = mem.read(phys, kSdtHeaderSize);
    if (header.size() < kSdtHeaderSize) continue;
    const Str sig(reinterpret_cast<const char*>(header.data()), 4);
    const Result<Bytes> table = load_table(mem, phys, sig);
    if (!table) continue;
    hex_dump(sig, phys, table.value());
    if (!(sig == "FACP")) continue;
    const Result<Fadt> fadt = parse_fadt(table.value());
    const Result<Bytes> dsdt = fadt ? load_table(mem, fadt->dsdt, "DSDT") : Result<Bytes>(fadt.error());
    if (dsdt) hex_dump("DSDT", fadt->dsdt, dsdt.value());
  }
}

void init_power_off(PhysMemory& mem, const Fadt& fadt) {
  const Result<Bytes> dsdt = load_table(mem, fadt.dsdt, "DSDT");
  if (!dsdt) return report("DSDT", dsdt.error());
  const Result<SleepType> s5 = find_s5(dsdt.value());
  if (!s5) return report("S5 power-off unavailable", s5.error());
  power::set_acpi(fadt, s5.value());
  log::info("acpi: FADT PM1a control {:#x}, PM timer {:#x} ({} bits), S5 sleep type {}/{}", fadt.pm1a_cnt,
            fadt.pm_timer, fadt.pm_timer_32bit() ? 32 : 24, s5->a, s5->b);
}

}  // namespace

const Platform& platform() { return g_platform; }

void init(const mb2::BootInfo& info, const Cmdline& cmdline) {
  DirectMapMemory mem;
  const Result<Rsdp> rsdp = locate_rsdp(info, mem);
  if (!rsdp) return report("no usable RSDP; no ACPI power-off, CPUs from the boot CPU only", rsdp.error());
  g_platform.rsdp = rsdp.value();
  g_platform.have_rsdp = true;
  log::info("acpi: RSDP revision {}, {} at {:#x}", rsdp->revision, rsdp->revision >= 2 ? "XSDT" : "RSDT",
            rsdp->revision >= 2 ? rsdp->xsdt : rsdp->rsdt);
  Str what;
  if (cmdline.value("dump", what) && what == "acpi") dump_tables(mem, rsdp.value());

  const Result<Bytes> facp = find_table(mem, rsdp.value(), "FACP");
  const Result<Fadt> fadt = facp ? parse_fadt(facp.value()) : Result<Fadt>(facp.error());
  if (fadt) {
    g_platform.fadt = fadt.value();
    g_platform.have_fadt = true;
    init_power_off(mem, fadt.value());
  } else {
    report("FADT", fadt.error());
  }

  const Result<Bytes> hpet_table = find_table(mem, rsdp.value(), "HPET");
  const Result<Hpet> hpet = hpet_table ? parse_hpet(hpet_table.value()) : Result<Hpet>(hpet_table.error());
  if (hpet) {
    g_platform.hpet = hpet.value();
    g_platform.have_hpet = true;
    log::info("acpi: HPET at {:#x}", hpet->address);
  } else if (hpet.error().status != Status::not_found) {
    report("HPET", hpet.error());
  }
  if (fadt && fadt->has_reset)
    log::info("acpi: reset register {:#x} (space {}), value {:#x}", fadt->reset_address, fadt->reset_space,
              fadt->reset_value);

  const Result<Bytes> apic = find_table(mem, rsdp.value(), "APIC");
  if (!apic) return report("MADT", apic.error());
  const Error e = parse_madt(apic.value(), g_platform.madt);
  if (!e.ok()) return report("MADT is malformed; using the boot CPU only", e);
  g_platform.have_madt = true;
  const Madt& madt = g_platform.madt;
  log::info("acpi: MADT: {} CPUs ({} enabled), {} I/O APICs, {} interrupt overrides, local APIC at {:#x}",
            madt.cpu_count, madt.enabled_cpus(), madt.ioapic_count, madt.override_count, madt.lapic_address);
  for (usize i = 0; i < madt.cpu_count; ++i)
    log::debug("acpi: MADT CPU UID {} APIC ID {}{}{}", madt.cpus[i].uid, madt.cpus[i].apic_id,
               madt.cpus[i].enabled ? " enabled" : " disabled", madt.cpus[i].online_capable ? " online-capable" : "");
}

}  // namespace nucleo::acpi

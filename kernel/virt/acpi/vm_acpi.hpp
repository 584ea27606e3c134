// SPDX-License-Identifier: MIT
// The ACPI tables each VM gets, written into its RAM in the BIOS area
// [0xE0000, 0x100000) where a guest finds the RSDP by the standard scan
// (ACPI 6.5, 5.2.5.1) and, for Multiboot/UEFI-less loaders, where the
// hypervisor can point it directly. The tables follow the ACPI 4.0 layouts
// (FADT revision 4, MADT revision 3 with x2APIC entries), which every ACPI
// OS accepts: RSDP (revision 2) -> XSDT and RSDT -> FADT (-> FACS, DSDT)
// and MADT. They describe exactly what the virtual PC models; see
// docs/virtual-platform.md for every field and the reasons.
#pragma once

#include "kernel/lib/result.hpp"
#include "kernel/lib/span.hpp"
#include "kernel/virt/devices/pm_timer.hpp"

namespace nucleo {

constexpr u64 kBiosAreaStart = 0xE0000;
constexpr u64 kBiosAreaEnd = 0x100000;
constexpr u32 kLocalApicBase = 0xFEE00000;  // SDM Vol. 3A, 11.4.1 (reset value)
// As many vCPUs as the hypervisor's CPU sets name (kernel/lib/cpu_set.hpp).
constexpr u32 kMaxVmAcpiCpus = 512;

struct VmAcpiConfig {
  u32 cpu_count = 1;  // vCPU i has APIC ID i and ACPI processor UID i
  u16 pm_timer_port = PmTimer::kDefaultPort;
  // PM1 event/control blocks (ACPI 6.5, 4.8.3.1): 0 = not modelled, the
  // FADT fields stay 0 (and no \_S5 is offered: S5 needs PM1 control).
  u16 pm1a_event_port = 0;
  u16 pm1a_control_port = 0;
  u16 sci_irq = 9;  // ISA IRQ of the SCI, as on PIIX4/ICH (no SCI is raised yet)
  // IAPC_BOOT_ARCH (ACPI 6.5, 5.2.9.3): what the platform really has.
  bool legacy_devices = true;  // ISA devices an OS must drive (COM1, PIT, RTC)
  bool cmos_rtc = true;        // an MC146818 at ports 0x70/0x71
  // The I/O APIC (MADT type 1, ID 0 at 0xFEC00000, GSI base 0) and the ISA
  // override IRQ 0 -> GSI 2 that goes with it.
  bool ioapic = false;
  // FADT RESET_REG: a byte in system I/O and the value that resets
  // (0: none, RESET_REG_SUP clear).
  u16 reset_port = 0;
  u8 reset_value = 0;
  // Never claimed because nothing models them: an 8042 keyboard controller
  // (bit 1 stays clear) and VGA (bit 2 "VGA not present" is set).
};

struct VmAcpiTables {
  u64 rsdp = 0;  // guest-physical address of the RSDP (= kBiosAreaStart)
  u64 end = 0;   // the tables occupy [kBiosAreaStart, end)
};

// Writes the tables into `ram`, the VM's memory seen from guest-physical 0
// (Vm::guest_ram(0, vm.ram_size)). Only [kBiosAreaStart, end) is written.
// Errors: RAM ends below 1 MiB, no vCPU or more than kMaxVmAcpiCpus, a
// PM timer at port 0.
Result<VmAcpiTables> build_vm_acpi(const VmAcpiConfig& config, Span<u8> ram);

}  // namespace nucleo

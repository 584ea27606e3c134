// SPDX-License-Identifier: MIT
// The machine as ACPI describes it: RSDP, FADT (PM timer, power-off), MADT
// (CPUs, APICs). A missing or broken table is reported and the boot goes on
// without what it would have given; platform() says what was trusted.
#pragma once

#include "kernel/acpi/madt.hpp"
#include "kernel/acpi/tables.hpp"
#include "kernel/boot_info/cmdline.hpp"
#include "kernel/boot_info/multiboot2.hpp"

namespace nucleo::acpi {

struct Platform {
  bool have_rsdp = false;
  Rsdp rsdp;
  bool have_fadt = false;
  Fadt fadt;
  bool have_madt = false;
  Madt madt;
  bool have_hpet = false;
  Hpet hpet;
};

void init(const mb2::BootInfo& info, const Cmdline& cmdline);
const Platform& platform();

}  // namespace nucleo::acpi

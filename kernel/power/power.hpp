// SPDX-License-Identifier: MIT
// Power-off with an exit code, tried in this order:
//   1. QEMU isa-debug-exit (port 0xf4), only when fw_cfg says "QEMU";
//   2. the Bochs shutdown port 0x8900 ("Shutdown");
//   3. ACPI S5 (FADT PM1 control + \_S5 from the DSDT);
//   4. otherwise a final line, and the CPU halts (no reboot loop).
#pragma once

#include "kernel/acpi/tables.hpp"

namespace nucleo::power {

// Called once ACPI tables are known; without it only 1, 2 and 4 are tried.
void set_acpi(const acpi::Fadt& fadt, const acpi::SleepType& s5);

[[noreturn]] void power_off(u8 code);
[[noreturn]] void halt_with_message();

}  // namespace nucleo::power

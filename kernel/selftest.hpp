// SPDX-License-Identifier: MIT
// Deliberate faults, chosen on the command line (selftest=ud|pf|panic), so the
// emulator tests can check that the fault path dumps state and powers off.
#pragma once

#include "kernel/boot_info/cmdline.hpp"

namespace nucleo {

void run_selftest(const Cmdline& cmdline);

}  // namespace nucleo

// SPDX-License-Identifier: MIT
// Checks of the cross-core primitives on the running machine, every boot:
// a cross-call must reach every online CPU, a TLB shootdown must make every
// CPU see a changed mapping, and every AP must take an NMI IPI.
#pragma once

namespace nucleo::smp {

// true when every check passed; each result is logged.
bool run_selftest();

}  // namespace nucleo::smp

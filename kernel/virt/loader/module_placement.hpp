// SPDX-License-Identifier: MIT
// Where boot modules go: one after another, each on a page boundary (what
// Multiboot1 flag 0 and the Multiboot2 module alignment tag ask for; done
// for every kernel, which the specs allow), starting at the first page
// above both the kernel and 1 MiB, ending below the top of guest RAM and
// below 4 GiB (module addresses are 32-bit in both protocols). Pure.
#pragma once

#include "kernel/virt/loader/guest_load.hpp"
#include "kernel/virt/loader/guest_memory_map.hpp"
#include "kernel/virt/vm.hpp"

namespace nucleo::loader {

// out[i] receives module i's range (end exclusive). kernel_end: the end of
// the highest loaded segment.
Error place_modules(Span<const GuestModule> modules, u64 kernel_end, const GuestMemoryMap& map,
                    GuestRange (&out)[kMaxModules], LoadDiagnostic& diag);

// Copies each module to the range place_modules chose for it.
void write_modules(Span<const GuestModule> modules, const GuestRange (&at)[kMaxModules], const Vm& vm);

}  // namespace nucleo::loader

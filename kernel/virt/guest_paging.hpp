// SPDX-License-Identifier: MIT
// Guest linear -> guest physical, by walking the guest's own page tables in
// its RAM (SDM Vol. 3A chapter 5: 32-bit, PAE and 4-level paging; paging
// off). For emulating instructions that name linear addresses (string I/O,
// hypercall buffers given as pointers). Pure; reads only the VM's RAM.
// Permission bits are not checked yet: a walk answers "where", not "may".
#pragma once

#include "kernel/lib/result.hpp"
#include "kernel/virt/vm.hpp"

namespace nucleo {

struct GuestPagingState {
  u64 cr0 = 0, cr3 = 0, cr4 = 0, efer = 0;
};

Result<u64> guest_linear_to_physical(const Vm& vm, const GuestPagingState& state, u64 linear);

}  // namespace nucleo

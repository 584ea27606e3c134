// SPDX-License-Identifier: MIT
// The hypercall dispatcher: decodes and checks one VMCALL of the ABI in
// guests/include/nucleo/hypercall.h (reference: docs/hypercalls.md) and
// carries it out through HypercallEnv. Vendor-neutral and pure: whatever a
// guest puts in its registers and memory, the result is a documented error
// code or a documented action, and guest memory is reached only through
// HypercallEnv::guest_memory.
#pragma once

#include "kernel/virt/hypercall/hypercall_env.hpp"

namespace nucleo {

[[nodiscard]] HypercallResult dispatch_hypercall(HypercallRegs& regs, const HypercallCaller& caller,
                                                 HypercallEnv& env);

}  // namespace nucleo

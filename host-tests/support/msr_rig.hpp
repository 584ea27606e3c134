// SPDX-License-Identifier: MIT
// An ExitRig that plays RDMSR and WRMSR exits with junk in the register
// halves the instructions ignore (only ECX names the MSR, only EDX:EAX is
// the value).
#pragma once

#include "host-tests/support/exit_rig.hpp"

namespace nucleo::vmx::exit_test {

struct MsrRig : ExitRig {
  bool rdmsr(u32 msr) {
    regs.rcx = 0xFFFFFFFF00000000 | msr;  // only ECX names the MSR
    regs.rax = 0xAAAAAAAAAAAAAAAA;
    regs.rdx = 0xDDDDDDDDDDDDDDDD;
    return exit(ExitReason::rdmsr, 0, 2);
  }
  u64 edx_eax() const { return regs.rdx << 32 | regs.rax; }
  bool wrmsr(u32 msr, u64 value) {
    regs.rcx = 0xFFFFFFFF00000000 | msr;
    regs.rax = 0xEEEEEEEE00000000 | (value & 0xFFFFFFFF);  // only EDX:EAX is the value
    regs.rdx = 0xEEEEEEEE00000000 | (value >> 32);
    vmcs.clear_writes();
    return exit(ExitReason::wrmsr, 0, 2);
  }
};

}  // namespace nucleo::vmx::exit_test

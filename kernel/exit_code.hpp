// SPDX-License-Identifier: MIT
// Exit codes of the kernel: the "code" of the result line, and what QEMU's
// isa-debug-exit and `tools/nucleo run` report. Tool-side codes (2 usage,
// 3 missing packages, 124 timeout, 125 emulator died) never collide.
#pragma once

#include "kernel/lib/types.hpp"

namespace nucleo {

enum class ExitCode : u8 {
  ok = 0,
  panic = 10,           // a hypervisor invariant broke
  cpu_exception = 11,   // unexpected exception in the hypervisor
  bad_boot_info = 12,   // Multiboot2 information unusable
  selftest_failed = 13,
  no_vmx = 20,          // VT-x missing, disabled by firmware, or lacking EPT / unrestricted guest
  vmx_failed = 21,      // VMXON or a VM failed on a machine that has VT-x
  guest_failed = 22,    // a test VM did not end the way it was asked to, or a configured VM crashed
  config_error = 23,    // the VM configuration had errors (the valid VMs still ran)
};

}  // namespace nucleo

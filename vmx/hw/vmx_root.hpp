// SPDX-License-Identifier: MIT
// Entering VMX root operation on every core (SDM Vol. 3C 24.7 "Enabling and
// entering VMX operation"): feature checks with clear refusals, the
// IA32_FEATURE_CONTROL lock, CR0/CR4 fixed bits, a VMXON region per core.
#pragma once

#include "kernel/boot_info/cmdline.hpp"
#include "vmx/core/capabilities.hpp"

namespace nucleo::vmx {

// Why VMX cannot be used here, for the message and the exit code.
enum class VmxRefusal : u8 { none, no_vmx, locked_off, no_ept, no_unrestricted_guest, vmxon_failed, caps_differ };

struct VmxRootResult {
  VmxRefusal refusal = VmxRefusal::none;
  u32 cores_in_root = 0;
};

// Boot CPU: checks and prints the capabilities, then enters VMX root on
// every online CPU. On refusal it prints why and what to do.
VmxRootResult enter_vmx_root_everywhere();

const VmxCapabilities& capabilities();

// dump=vmx: every IA32_VMX_* MSR the CPU enumerates, as "vmx-msr 0xNNN 0xV"
// lines, so capability sets can be recorded for the host tests.
void dump_capability_msrs();

// dump=cpuid: the boot CPU's CPUID leaves, as "cpuid-leaf LEAF SUBLEAF EAX
// EBX ECX EDX" lines (SUBLEAF "*" for a leaf that takes none), so the
// host tests can walk the virtual CPU over recorded processors
// (host-tests/data/cpuid/).
void dump_cpuid();

}  // namespace nucleo::vmx

// SPDX-License-Identifier: MIT
// What nucleo says about, and does with, a set of VMX capabilities: the
// lines the kernel prints at boot, its verdict (refuse or run) and, per VMX
// feature, whether it is there and how nucleo uses it or copes without it.
// Pure: the kernel prints it for the processor it runs on (vmx/hw/
// vmx_root.cpp); the host tool nucleo-vmx-caps prints it for a recorded
// capability-MSR file (docs/running.md's nested-KVM table comes from it).
#pragma once

#include "kernel/lib/str.hpp"
#include "vmx/core/capabilities.hpp"

namespace nucleo::vmx {

using LineFn = void (*)(Str line);

// The boot's capability lines ("vmx: VMCS revision ...").
void describe_capabilities(const VmxCapabilities& c, LineFn emit);

// Whether nucleo can run guests with these capabilities (SDM Vol. 3C 25.6.2:
// EPT; 25.6.2 Table 25-7 bit 7: unrestricted guest, as guests start in real mode).
enum class CapsVerdict : u8 { usable, no_ept, no_unrestricted_guest };
CapsVerdict assess_capabilities(const VmxCapabilities& c);
// The refusal's error lines (nothing for `usable`).
void describe_verdict(CapsVerdict v, LineFn emit);

struct FeatureUse {
  const char* feature;  // as the SDM names it
  bool present;         // in this capability set
  const char* use;      // what nucleo does with it, or without it
};
constexpr usize kFeatureRows = 14;
void feature_uses(const VmxCapabilities& c, FeatureUse (&rows)[kFeatureRows]);

}  // namespace nucleo::vmx

// SPDX-License-Identifier: MIT
// The architectural checks VM entry performs on the guest-state area (SDM
// Vol. 3C 27.3.1: 27.3.1.1 control registers, debug registers and MSRs;
// 27.3.1.2 segment registers; 27.3.1.3 GDTR/IDTR; 27.3.1.4 RIP and RFLAGS;
// 27.3.1.5 non-register state; 27.3.1.6 PDPTEs), redone in software. When
// VMLAUNCH fails with exit reason 33 (invalid guest state) the CPU does not
// say which check failed; this names the first field and rule that break.
//
// Not covered (model-specific or needing memory): IA32_PERF_GLOBAL_CTRL,
// BNDCFGS, RTIT_CTL, CET, LBR_CTL and PKRS state, the processor's optional
// "blocking by STI with NMI injection" check, and the contents of the VMCS
// that a link pointer references.
#pragma once

#include "vmx/core/capabilities.hpp"
#include "vmx/core/vmcs_access.hpp"

namespace nucleo::vmx {

struct GuestStateProblem {
  bool ok = true;
  const char* field = "";  // e.g. "GUEST_CS_ACCESS_RIGHTS"
  const char* rule = "";   // the rule broken, in words
  u64 value = 0;           // the value of `field` that breaks it
  const char* sdm = "";    // the SDM Vol. 3C section stating the rule
};

// What the checker cannot read from the VMCS or the capability MSRs.
struct GuestCheckEnv {
  u8 phys_addr_width = 52;    // CPUID.80000008H:EAX[7:0]; 52 checks only architectural bits
  u8 linear_addr_width = 48;  // 57 when the CPU supports 5-level paging
  bool in_smm = false;        // the VMM runs in SMM (dual-monitor treatment)
};

// Reads the guest-state area and the VM-execution and VM-entry controls
// through `vmcs`, and the CR0/CR4 fixed bits and supported activity states
// from `caps`. Returns {ok = true} when every covered check passes.
GuestStateProblem check_guest_state(VmcsAccess& vmcs, const VmxCapabilities& caps, const GuestCheckEnv& env = {});

}  // namespace nucleo::vmx

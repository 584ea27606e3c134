// SPDX-License-Identifier: MIT
// The architectural start state of a vCPU written into its VMCS: 32-bit
// protected mode with flat segments (Multiboot entry, test guests) or real
// mode at CS:0 (reset, and the SIPI start of an application processor,
// SDM Vol. 3A 10.4.4). Pure: through VmcsAccess only.
#pragma once

#include "vmx/core/capabilities.hpp"
#include "vmx/core/vmcs_access.hpp"

namespace nucleo::vmx {

// Where and how the first instruction runs.
struct GuestStart {
  enum class Mode : u8 { real, protected32 } mode = Mode::protected32;
  u64 rip = 0;
  u64 rsp = 0;
  u16 real_cs = 0;  // real mode: CS selector (base = selector << 4)
  // An application processor after reset: inactive in the wait-for-SIPI
  // activity state until its VM's boot vCPU sends INIT-SIPI (SDM Vol. 3C
  // 25.4.2; the mode above is what the SIPI exit will replace).
  bool wait_for_sipi = false;
};

Error write_guest_state(VmcsAccess& v, const VmxCapabilities& caps, const GuestStart& s);

}  // namespace nucleo::vmx

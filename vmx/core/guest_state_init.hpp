// SPDX-License-Identifier: MIT
// The architectural start state of a vCPU written into its VMCS: 32-bit
// protected mode with flat segments (Multiboot entry, test guests), real
// mode at CS:0 (reset, and the SIPI start of an application processor,
// SDM Vol. 3A 10.4.4), or 64-bit long mode with paging on (the Linux 64-bit
// boot protocol, whose loader builds the page tables and GDT in guest RAM).
// Pure: through VmcsAccess only.
#pragma once

#include "vmx/core/capabilities.hpp"
#include "vmx/core/vmcs_access.hpp"

namespace nucleo::vmx {

// Where and how the first instruction runs.
struct GuestStart {
  enum class Mode : u8 { real, protected32, long64 } mode = Mode::protected32;
  u64 rip = 0;
  u64 rsp = 0;
  u16 real_cs = 0;  // real mode: CS selector (base = selector << 4)
  // Flat segments (protected32, long64): the selectors the guest's GDT
  // holds them under. The descriptors are loaded from here, not the GDT.
  u16 code_sel = 0x08;
  u16 data_sel = 0x10;
  // long64: CR3 (identity-mapped 4-level tables) and the guest's GDT.
  u64 cr3 = 0;
  u64 gdtr_base = 0;
  u16 gdtr_limit = 0xFFFF;
  // An application processor after reset: inactive in the wait-for-SIPI
  // activity state until its VM's boot vCPU sends INIT-SIPI (SDM Vol. 3C
  // 25.4.2; the mode above is what the SIPI exit will replace).
  bool wait_for_sipi = false;
};

Error write_guest_state(VmcsAccess& v, const VmxCapabilities& caps, const GuestStart& s);

}  // namespace nucleo::vmx

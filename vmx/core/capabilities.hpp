// SPDX-License-Identifier: MIT
// VMX capability MSRs (SDM Vol. 3D, Appendix A) and the pure computation of
// VM-execution, exit and entry controls from their allowed-0/allowed-1
// settings. Host-tested against values recorded from Bochs CPU models and
// real processors.
#pragma once

#include "kernel/lib/result.hpp"

namespace nucleo::vmx {

namespace cap_msr {
constexpr u32 kFeatureControl = 0x3A;
constexpr u32 kBasic = 0x480;
constexpr u32 kPinbased = 0x481;
constexpr u32 kProcbased = 0x482;
constexpr u32 kExit = 0x483;
constexpr u32 kEntry = 0x484;
constexpr u32 kMisc = 0x485;
constexpr u32 kCr0Fixed0 = 0x486;
constexpr u32 kCr0Fixed1 = 0x487;
constexpr u32 kCr4Fixed0 = 0x488;
constexpr u32 kCr4Fixed1 = 0x489;
constexpr u32 kProcbased2 = 0x48B;
constexpr u32 kEptVpid = 0x48C;
constexpr u32 kTruePinbased = 0x48D;
constexpr u32 kTrueProcbased = 0x48E;
constexpr u32 kTrueExit = 0x48F;
constexpr u32 kTrueEntry = 0x490;
constexpr u32 kVmfunc = 0x491;
}  // namespace cap_msr

// IA32_FEATURE_CONTROL bits (SDM Vol. 3C 24.7).
constexpr u64 kFeatureControlLock = 1u << 0;
constexpr u64 kFeatureControlVmxOutsideSmx = 1u << 2;

// Control bits nucleo uses (SDM Vol. 3C 25.6, 25.7, 25.8).
namespace pin {
constexpr u32 kExternalInterruptExiting = 1u << 0;
constexpr u32 kNmiExiting = 1u << 3;
constexpr u32 kVirtualNmis = 1u << 5;
constexpr u32 kPreemptionTimer = 1u << 6;
constexpr u32 kPostedInterrupts = 1u << 7;
}  // namespace pin
namespace proc {
constexpr u32 kInterruptWindowExiting = 1u << 2;
constexpr u32 kUseTscOffsetting = 1u << 3;
constexpr u32 kHltExiting = 1u << 7;
constexpr u32 kCr8LoadExiting = 1u << 19;
constexpr u32 kCr8StoreExiting = 1u << 20;
constexpr u32 kUseTprShadow = 1u << 21;
constexpr u32 kNmiWindowExiting = 1u << 22;
constexpr u32 kUseIoBitmaps = 1u << 25;
constexpr u32 kUseMsrBitmaps = 1u << 28;
constexpr u32 kSecondaryControls = 1u << 31;
}  // namespace proc
namespace proc2 {
constexpr u32 kVirtualizeApicAccesses = 1u << 0;
constexpr u32 kEnableEpt = 1u << 1;
constexpr u32 kEnableRdtscp = 1u << 3;
constexpr u32 kVirtualizeX2apic = 1u << 4;
constexpr u32 kEnableVpid = 1u << 5;
constexpr u32 kWbinvdExiting = 1u << 6;
constexpr u32 kUnrestrictedGuest = 1u << 7;
constexpr u32 kApicRegisterVirtualization = 1u << 8;
constexpr u32 kVirtualInterruptDelivery = 1u << 9;
constexpr u32 kEnableInvpcid = 1u << 12;
constexpr u32 kEnableVmfunc = 1u << 13;
constexpr u32 kVmcsShadowing = 1u << 14;
constexpr u32 kEnableXsaves = 1u << 20;
// Secondary controls every vCPU needs: EPT and unrestricted guest (guests
// start in real mode), and WBINVD exiting. Without it the guest's WBINVD
// runs on the core and writes back and invalidates caches the other VMs
// share (SDM Vol. 3C 26.1.3, Table 25-7); INVD exits unconditionally
// (26.1.2). Both exits are no-ops (vmx/core/exit_instructions.cpp).
constexpr u32 kRequired = kEnableEpt | kUnrestrictedGuest | kWbinvdExiting;
}  // namespace proc2
namespace exit_ctl {
constexpr u32 kSaveDebugControls = 1u << 2;
constexpr u32 kHostAddressSpaceSize = 1u << 9;
constexpr u32 kAckInterruptOnExit = 1u << 15;
constexpr u32 kSavePat = 1u << 18;
constexpr u32 kLoadPat = 1u << 19;
constexpr u32 kSaveEfer = 1u << 20;
constexpr u32 kLoadEfer = 1u << 21;
constexpr u32 kSavePreemptionTimer = 1u << 22;
}  // namespace exit_ctl
namespace entry_ctl {
constexpr u32 kLoadDebugControls = 1u << 2;
constexpr u32 kIa32eModeGuest = 1u << 9;
constexpr u32 kLoadPat = 1u << 14;
constexpr u32 kLoadEfer = 1u << 15;
}  // namespace entry_ctl

// The raw capability MSRs. pin/proc/exit/entry hold the TRUE_ MSRs when
// IA32_VMX_BASIC[55] says they exist (A.2), the legacy ones otherwise.
struct VmxCapabilities {
  u64 basic = 0, pin = 0, proc = 0, proc2 = 0, exit = 0, entry = 0, misc = 0;
  u64 cr0_fixed0 = 0, cr0_fixed1 = 0, cr4_fixed0 = 0, cr4_fixed1 = 0, ept_vpid = 0, vmfunc = 0;

  // A.1: IA32_VMX_BASIC.
  u32 revision() const { return static_cast<u32>(basic & 0x7FFFFFFF); }
  u32 region_size() const { return static_cast<u32>((basic >> 32) & 0x1FFF); }
  u8 memory_type() const { return static_cast<u8>((basic >> 50) & 0xF); }  // 6 = write-back
  bool true_controls() const { return (basic >> 55) & 1; }

  static bool may_set(u64 cap, u32 bit_mask) { return ((cap >> 32) & bit_mask) == bit_mask; }
  bool has_secondary() const { return may_set(proc, proc::kSecondaryControls); }
  bool has2(u32 mask) const { return has_secondary() && may_set(proc2, mask); }
  bool has_ept() const { return has2(proc2::kEnableEpt); }
  bool has_vpid() const { return has2(proc2::kEnableVpid); }
  bool has_unrestricted_guest() const { return has2(proc2::kUnrestrictedGuest); }
  bool has_preemption_timer() const { return may_set(pin, pin::kPreemptionTimer); }
  u32 preemption_timer_shift() const { return static_cast<u32>(misc & 0x1F); }  // A.6
  bool has_apic_virtualization() const { return has2(proc2::kVirtualizeApicAccesses); }
  bool has_virtual_interrupt_delivery() const { return has2(proc2::kVirtualInterruptDelivery); }
  bool has_posted_interrupts() const { return may_set(pin, pin::kPostedInterrupts); }
  bool has_vmfunc() const { return has2(proc2::kEnableVmfunc); }
  bool has_vmcs_shadowing() const { return has2(proc2::kVmcsShadowing); }
  // A.10: IA32_VMX_EPT_VPID_CAP.
  bool ept_4level() const { return (ept_vpid >> 6) & 1; }
  bool ept_write_back() const { return (ept_vpid >> 14) & 1; }
  bool ept_2mb_pages() const { return (ept_vpid >> 16) & 1; }
  bool ept_1gb_pages() const { return (ept_vpid >> 17) & 1; }
  bool invept_single() const { return ((ept_vpid >> 20) & 1) && ((ept_vpid >> 25) & 1); }
  bool invept_all() const { return ((ept_vpid >> 20) & 1) && ((ept_vpid >> 26) & 1); }
  bool invvpid_individual() const { return ((ept_vpid >> 32) & 1) && ((ept_vpid >> 40) & 1); }
  bool invvpid_single() const { return ((ept_vpid >> 32) & 1) && ((ept_vpid >> 41) & 1); }
  bool invvpid_all() const { return ((ept_vpid >> 32) & 1) && ((ept_vpid >> 42) & 1); }

  bool operator==(const VmxCapabilities&) const = default;
};

// Reads MSRs: the kernel binds RDMSR, host tests a table.
class MsrReader {
 public:
  virtual u64 rdmsr(u32 msr) = 0;

 protected:
  ~MsrReader() = default;
};

VmxCapabilities read_capabilities(MsrReader& msrs);

// A control word from a capability MSR (A.3-A.5): bits clear in the low
// dword may be 0, bits set in the high dword may be 1. `required` bits must
// be settable (else an error whose offset holds the missing bits), `wanted`
// bits are set where allowed, and bits the CPU forces to 1 are always set.
Result<u32> compute_controls(u64 capability, u32 required, u32 wanted);

// CR0/CR4 under VMX (A.7, A.8): set every fixed-1 bit, clear every bit that
// is not allowed to be 1. `unrestricted` lifts the PE and PG requirements.
u64 apply_cr0_fixed(const VmxCapabilities& caps, u64 cr0, bool unrestricted);
u64 apply_cr4_fixed(const VmxCapabilities& caps, u64 cr4);

}  // namespace nucleo::vmx

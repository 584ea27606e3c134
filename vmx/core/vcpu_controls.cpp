// SPDX-License-Identifier: MIT
#include "vmx/core/vcpu_controls.hpp"

namespace nucleo::vmx {

Result<VcpuControls> plan_controls(const VmxCapabilities& caps, bool lapic, bool timer) {
  // With a virtual local APIC: the TPR shadow replaces CR8 exits, APIC
  // accesses are virtualized, and where the processor can, register reads,
  // EOIs and interrupt delivery happen without exits (SDM Vol. 3C 30).
  const u32 apicv = proc2::kApicRegisterVirtualization | proc2::kVirtualInterruptDelivery;
  const bool want_apicv = lapic && caps.has2(apicv);
  const Result<u32> pin = compute_controls(caps.pin, pin::kExternalInterruptExiting | pin::kNmiExiting,
                                           pin::kVirtualNmis | (timer ? pin::kPreemptionTimer : 0));
  const Result<u32> proc = compute_controls(
      caps.proc,
      // CR8 exits: without a TPR shadow, MOV to CR8 would set the physical
      // local APIC's TPR and could mask the host's interrupts.
      proc::kHltExiting | proc::kUseIoBitmaps | proc::kUseMsrBitmaps | proc::kSecondaryControls |
          (lapic ? proc::kUseTprShadow : proc::kCr8LoadExiting | proc::kCr8StoreExiting) | proc::kUseTscOffsetting,
      0);
  const Result<u32> proc2 = compute_controls(caps.proc2,
                                             proc2::kRequired | (lapic ? proc2::kVirtualizeApicAccesses : 0) |
                                                 (want_apicv ? apicv : 0),
                                             proc2::kEnableVpid | proc2::kEnableRdtscp | proc2::kEnableInvpcid |
                                                 proc2::kEnableXsaves);
  const Result<u32> exit = compute_controls(
      caps.exit, exit_ctl::kHostAddressSpaceSize | exit_ctl::kSaveEfer | exit_ctl::kLoadEfer,
      exit_ctl::kSavePat | exit_ctl::kLoadPat | (timer ? exit_ctl::kSavePreemptionTimer : 0));
  const Result<u32> entry = compute_controls(caps.entry, entry_ctl::kLoadEfer, entry_ctl::kLoadPat);
  const Result<u32>* all[] = {&pin, &proc, &proc2, &exit, &entry};
  for (const Result<u32>* r : all)
    if (!*r) return r->error();
  return VcpuControls{pin.value(), proc.value(), proc2.value(), exit.value(), entry.value(), want_apicv};
}

}  // namespace nucleo::vmx

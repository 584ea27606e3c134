// SPDX-License-Identifier: MIT
#include "vmx/core/capabilities.hpp"

namespace nucleo::vmx {

VmxCapabilities read_capabilities(MsrReader& m) {
  VmxCapabilities c;
  c.basic = m.rdmsr(cap_msr::kBasic);
  const bool use_true = c.true_controls();
  c.pin = m.rdmsr(use_true ? cap_msr::kTruePinbased : cap_msr::kPinbased);
  c.proc = m.rdmsr(use_true ? cap_msr::kTrueProcbased : cap_msr::kProcbased);
  c.exit = m.rdmsr(use_true ? cap_msr::kTrueExit : cap_msr::kExit);
  c.entry = m.rdmsr(use_true ? cap_msr::kTrueEntry : cap_msr::kEntry);
  c.misc = m.rdmsr(cap_msr::kMisc);
  c.cr0_fixed0 = m.rdmsr(cap_msr::kCr0Fixed0);
  c.cr0_fixed1 = m.rdmsr(cap_msr::kCr0Fixed1);
  c.cr4_fixed0 = m.rdmsr(cap_msr::kCr4Fixed0);
  c.cr4_fixed1 = m.rdmsr(cap_msr::kCr4Fixed1);
  // Secondary controls, EPT/VPID and VM functions exist only when enumerated
  // (A.3.3, A.10, A.11); reading them otherwise would #GP.
  if (c.has_secondary()) {
    c.proc2 = m.rdmsr(cap_msr::kProcbased2);
    if (((c.proc2 >> 32) & (proc2::kEnableEpt | proc2::kEnableVpid)) != 0) c.ept_vpid = m.rdmsr(cap_msr::kEptVpid);
    if (((c.proc2 >> 32) & proc2::kEnableVmfunc) != 0) c.vmfunc = m.rdmsr(cap_msr::kVmfunc);
  }
  return c;
}

Result<u32> compute_controls(u64 capability, u32 required, u32 wanted) {
  const auto must_be_one = static_cast<u32>(capability);
  const auto may_be_one = static_cast<u32>(capability >> 32);
  const u32 missing = required & ~may_be_one;
  if (missing != 0) return make_error(Status::unsupported, "a required VMX control is not supported", missing);
  return must_be_one | ((required | wanted) & may_be_one);
}

u64 apply_cr0_fixed(const VmxCapabilities& caps, u64 cr0, bool unrestricted) {
  u64 fixed1 = caps.cr0_fixed0;  // bits that must be 1
  if (unrestricted) fixed1 &= ~u64{0x80000001};  // PG and PE (27.3.1.1)
  return (cr0 | fixed1) & caps.cr0_fixed1;
}

u64 apply_cr4_fixed(const VmxCapabilities& caps, u64 cr4) { return (cr4 | caps.cr4_fixed0) & caps.cr4_fixed1; }

}  // namespace nucleo::vmx

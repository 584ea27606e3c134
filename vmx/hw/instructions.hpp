// SPDX-License-Identifier: MIT
// The VMX instructions, each a tiny inline function (kernel-only; the only
// place besides exit_stub.S that executes them). Status from RFLAGS as SDM
// Vol. 3C 31.2 defines it: CF=1 VMfailInvalid (no current VMCS), ZF=1
// VMfailValid (the VM-instruction error field says why).
#pragma once

#include "kernel/lib/types.hpp"

namespace nucleo::vmx::hw {

enum class VmStatus : u8 { ok, fail_invalid, fail_valid };

#define NUCLEO_VMX_STATUS(cf, zf) ((cf) ? VmStatus::fail_invalid : (zf) ? VmStatus::fail_valid : VmStatus::ok)

inline VmStatus vmxon(u64 region_phys) {
  bool cf, zf;
  asm volatile("vmxon %2" : "=@ccc"(cf), "=@ccz"(zf) : "m"(region_phys) : "memory");
  return NUCLEO_VMX_STATUS(cf, zf);
}

inline VmStatus vmxoff() {
  bool cf, zf;
  asm volatile("vmxoff" : "=@ccc"(cf), "=@ccz"(zf)::"memory");
  return NUCLEO_VMX_STATUS(cf, zf);
}

inline VmStatus vmclear(u64 vmcs_phys) {
  bool cf, zf;
  asm volatile("vmclear %2" : "=@ccc"(cf), "=@ccz"(zf) : "m"(vmcs_phys) : "memory");
  return NUCLEO_VMX_STATUS(cf, zf);
}

inline VmStatus vmptrld(u64 vmcs_phys) {
  bool cf, zf;
  asm volatile("vmptrld %2" : "=@ccc"(cf), "=@ccz"(zf) : "m"(vmcs_phys) : "memory");
  return NUCLEO_VMX_STATUS(cf, zf);
}

inline VmStatus vmread(u64 encoding, u64& value) {
  bool cf, zf;
  asm volatile("vmread %3, %2" : "=@ccc"(cf), "=@ccz"(zf), "=rm"(value) : "r"(encoding) : "memory");
  return NUCLEO_VMX_STATUS(cf, zf);
}

inline VmStatus vmwrite(u64 encoding, u64 value) {
  bool cf, zf;
  asm volatile("vmwrite %3, %2" : "=@ccc"(cf), "=@ccz"(zf) : "r"(encoding), "rm"(value) : "memory");
  return NUCLEO_VMX_STATUS(cf, zf);
}

// INVEPT / INVVPID descriptors (SDM Vol. 3C 31.3, "INVEPT" and "INVVPID").
enum class InveptType : u64 { single_context = 1, all_contexts = 2 };
enum class InvvpidType : u64 { individual_address = 0, single_context = 1, all_contexts = 2 };

inline VmStatus invept(InveptType type, u64 eptp) {
  struct {
    u64 eptp, reserved;
  } descriptor = {eptp, 0};
  bool cf, zf;
  asm volatile("invept %2, %3" : "=@ccc"(cf), "=@ccz"(zf) : "m"(descriptor), "r"(static_cast<u64>(type)) : "memory");
  return NUCLEO_VMX_STATUS(cf, zf);
}

inline VmStatus invvpid(InvvpidType type, u16 vpid, u64 address = 0) {
  struct {
    u64 vpid, address;
  } descriptor = {vpid, address};
  bool cf, zf;
  asm volatile("invvpid %2, %3" : "=@ccc"(cf), "=@ccz"(zf) : "m"(descriptor), "r"(static_cast<u64>(type)) : "memory");
  return NUCLEO_VMX_STATUS(cf, zf);
}

#undef NUCLEO_VMX_STATUS

}  // namespace nucleo::vmx::hw

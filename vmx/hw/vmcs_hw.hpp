// SPDX-License-Identifier: MIT
// VmcsAccess bound to VMREAD/VMWRITE on the current VMCS (kernel-only).
// Final and inline: called on an HwVmcs itself (the exit path in
// vmx/core/dispatcher.hpp is generic over the VMCS type), each access is one
// VMREAD/VMWRITE; through the VmcsAccess seam it is one virtual call more.
#pragma once

#include "vmx/core/vmcs_access.hpp"
#include "vmx/hw/instructions.hpp"

namespace nucleo::vmx {

class HwVmcs final : public VmcsAccess {
 public:
  u16 read(Vmcs16 f) override { return static_cast<u16>(raw_read(static_cast<u32>(f))); }
  u32 read(Vmcs32 f) override { return static_cast<u32>(raw_read(static_cast<u32>(f))); }
  u64 read(Vmcs64 f) override { return raw_read(static_cast<u32>(f)); }
  u64 read(VmcsNat f) override { return raw_read(static_cast<u32>(f)); }
  Error write(Vmcs16 f, u16 v) override { return raw_write(static_cast<u32>(f), v); }
  Error write(Vmcs32 f, u32 v) override { return raw_write(static_cast<u32>(f), v); }
  Error write(Vmcs64 f, u64 v) override { return raw_write(static_cast<u32>(f), v); }
  Error write(VmcsNat f, u64 v) override { return raw_write(static_cast<u32>(f), v); }

 private:
  // A failing VMREAD leaves its destination unchanged (SDM Vol. 3C 31.3,
  // VMREAD), so an unsupported field reads as 0 without a status test.
  static u64 raw_read(u32 encoding) {
    u64 value = 0;
    asm volatile("vmread %1, %0" : "+r"(value) : "r"(static_cast<u64>(encoding)) : "cc");
    return value;
  }
  // CF or ZF set: VMfailInvalid or VMfailValid (SDM Vol. 3C 31.2). The
  // failure is built by a pure function, so a caller that drops the Error
  // (the exit path's RIP write) drops the status test with it.
  static Error raw_write(u32 encoding, u64 value) {
    bool failed;
    asm volatile("vmwrite %2, %1" : "=@ccbe"(failed) : "r"(static_cast<u64>(encoding)), "r"(value));
    if (!failed) [[likely]]
      return {};
    return write_failed(encoding);
  }
  [[gnu::pure, gnu::noinline, gnu::cold]] static Error write_failed(u32 encoding) {
    return make_error(Status::unsupported, field_name(encoding), encoding);
  }
};

}  // namespace nucleo::vmx

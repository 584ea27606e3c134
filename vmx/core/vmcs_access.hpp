// SPDX-License-Identifier: MIT
// The VMCS seam: typed reads and writes of the current VMCS. The kernel binds
// vmx/hw's VMREAD/VMWRITE; host tests bind a map-backed fake with failure
// injection. Exit handlers see only this interface.
#pragma once

#include "kernel/lib/result.hpp"
#include "vmx/core/vmcs_fields.hpp"

namespace nucleo::vmx {

class VmcsAccess {
 public:
  virtual u16 read(Vmcs16 field) = 0;
  virtual u32 read(Vmcs32 field) = 0;
  virtual u64 read(Vmcs64 field) = 0;
  virtual u64 read(VmcsNat field) = 0;
  // A failed write names the field; it happens only for fields the CPU does
  // not support (e.g. an absent control), never for a valid set-up.
  virtual Error write(Vmcs16 field, u16 value) = 0;
  virtual Error write(Vmcs32 field, u32 value) = 0;
  virtual Error write(Vmcs64 field, u64 value) = 0;
  virtual Error write(VmcsNat field, u64 value) = 0;

 protected:
  ~VmcsAccess() = default;
};

}  // namespace nucleo::vmx

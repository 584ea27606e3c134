// SPDX-License-Identifier: MIT
#include "vmx/hw/vmcs_hw.hpp"

#include "vmx/hw/instructions.hpp"

namespace nucleo::vmx {

u64 HwVmcs::raw_read(u32 encoding) {
  u64 value = 0;
  if (hw::vmread(encoding, value) != hw::VmStatus::ok) return 0;
  return value;
}

Error HwVmcs::raw_write(u32 encoding, u64 value) {
  if (hw::vmwrite(encoding, value) == hw::VmStatus::ok) return {};
  return make_error(Status::unsupported, field_name(encoding), encoding);
}

}  // namespace nucleo::vmx

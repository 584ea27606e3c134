// SPDX-License-Identifier: MIT
// Puts a configured VM's kernel into its RAM: the image and modules named
// by the configuration come from the hypervisor's own Multiboot2 modules;
// the Multiboot2 or Multiboot1 loader (kernel/virt/loader/) lays them out
// and builds the boot information; vCPU 0 starts at the entry it returns.
#pragma once

#include "vmx/hw/guest_vm.hpp"

namespace nucleo::vmx {

// rsdp_gpa: the VM's ACPI RSDP (0 without ACPI), handed to Multiboot2 guests.
// A refusal is also explained in words to `why`.
Error load_guest_image(GuestVm& g, const VmConfig& c, Str cmdline, const mb2::BootInfo& info, u64 rsdp_gpa,
                       Sink& why);

}  // namespace nucleo::vmx

// SPDX-License-Identifier: MIT
// Loads a Multiboot2 kernel (Multiboot2 Specification 2.0) into a VM: the
// header and its tags, an ELF32/ELF64 image or a raw image placed by the
// address tag, modules, and the boot information (tags cmdline, boot loader
// name, modules, basic meminfo, mmap, ACPI RSDP), then the entry state
// (EAX = 0x36D76289, EBX = the MBI). See docs/loaders.md for what is
// honoured, ignored and refused. Pure; guest RAM only through Vm::guest_ram.
#pragma once

#include "kernel/virt/loader/guest_load.hpp"
#include "kernel/virt/vm.hpp"

namespace nucleo::loader {

namespace mb2h {
constexpr u32 kHeaderMagic = 0xE85250D6;  // 3.1.2
constexpr usize kSearchLimit = 32768;     // 3.1.1
constexpr u32 kArchitectureI386 = 0;
constexpr u16 kTagOptional = 1;  // header tag flags bit 0 (3.1.3)

// Header tag types (3.1.4 - 3.1.13).
enum class HeaderTag : u16 {
  end = 0,
  information_request = 1,
  address = 2,
  entry_address = 3,
  console_flags = 4,
  framebuffer = 5,
  module_alignment = 6,
  efi_boot_services = 7,
  entry_address_efi32 = 8,
  entry_address_efi64 = 9,
  relocatable = 10,
};
}  // namespace mb2h

// diag (optional) receives the item and range a refusal is about. A
// request.rsdp_gpa that is not 0 must point at a valid RSDP in guest RAM.
Result<LoadedGuest> load_multiboot2(const Vm& vm, const LoadRequest& request, LoadDiagnostic* diag = nullptr);

}  // namespace nucleo::loader

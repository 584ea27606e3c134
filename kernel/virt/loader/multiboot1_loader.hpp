// SPDX-License-Identifier: MIT
// Loads a Multiboot1 kernel (Multiboot Specification 0.6.96) into a VM:
// the header, an ELF32 image or the a.out kludge, modules, and the
// Multiboot information structure, then the entry state (EAX = 0x2BADB002,
// EBX = the MBI). Every refusal names its reason; see docs/loaders.md.
// Pure; guest RAM only through Vm::guest_ram.
#pragma once

#include "kernel/virt/loader/guest_load.hpp"
#include "kernel/virt/vm.hpp"

namespace nucleo::loader {

namespace mb1 {
constexpr u32 kHeaderMagic = 0x1BADB002;      // 3.1.2
constexpr u32 kBootloaderMagic = 0x2BADB002;  // EAX at entry (3.2)
constexpr usize kSearchLimit = 8192;          // 3.1.1

// Header flags (3.1.2). Bits 0-15 are requirements: an unknown one refuses
// the image. Bit 2 (video mode) is known but no video mode is set.
constexpr u32 kFlagPageAlignModules = 1u << 0;
constexpr u32 kFlagMemoryInfo = 1u << 1;
constexpr u32 kFlagVideoMode = 1u << 2;
constexpr u32 kFlagAddressFields = 1u << 16;  // the a.out kludge

// Multiboot information flags (3.3), the ones nucleo sets.
constexpr u32 kInfoMemory = 1u << 0;
constexpr u32 kInfoCmdline = 1u << 2;
constexpr u32 kInfoModules = 1u << 3;
constexpr u32 kInfoMemoryMap = 1u << 6;
constexpr u32 kInfoBootLoaderName = 1u << 9;
constexpr usize kInfoSize = 116;  // up to and including the framebuffer fields
}  // namespace mb1

// diag (optional) receives the item and range a refusal is about.
Result<LoadedGuest> load_multiboot1(const Vm& vm, const LoadRequest& request, LoadDiagnostic* diag = nullptr);

}  // namespace nucleo::loader

// SPDX-License-Identifier: MIT
// Loads a Linux bzImage through the 64-bit boot protocol
// (Documentation/arch/x86/boot.rst, "The Real-Mode Kernel Header" and
// "64-bit Boot Protocol"; zero-page.rst for boot_params): the protected-mode
// kernel at its preferred address, the modules as one initrd at the top of
// RAM, boot_params with the E820 map and command line, identity-mapped page
// tables and a GDT, then a long-mode entry with RSI = boot_params at the
// load address + 0x200. Every refusal names its reason; see
// docs/loaders.md. Pure; guest RAM only through Vm::guest_ram.
#pragma once

#include "kernel/virt/loader/guest_load.hpp"
#include "kernel/virt/vm.hpp"

namespace nucleo::loader {

namespace lbp {  // Linux boot protocol: offsets in the image and in boot_params
constexpr usize kSetupSects = 0x1F1;   // u8; 0 means 4
constexpr usize kBootFlag = 0x1FE;     // u16 0xAA55
constexpr usize kJump = 0x200;         // the header ends at 0x202 + the byte at 0x201
constexpr usize kHeaderMagicAt = 0x202;  // "HdrS"
constexpr usize kVersion = 0x206;
constexpr usize kTypeOfLoader = 0x210;
constexpr usize kLoadflags = 0x211;
constexpr usize kRamdiskImage = 0x218;
constexpr usize kRamdiskSize = 0x21C;
constexpr usize kCmdLinePtr = 0x228;
constexpr usize kInitrdAddrMax = 0x22C;
constexpr usize kKernelAlignment = 0x230;
constexpr usize kRelocatable = 0x234;
constexpr usize kXloadflags = 0x236;
constexpr usize kCmdlineSize = 0x238;
constexpr usize kPrefAddress = 0x258;
constexpr usize kInitSize = 0x260;
constexpr usize kHeaderEnd212 = 0x264;  // end of init_size, the last field a 2.12 image must have

constexpr u16 kBootFlagValue = 0xAA55;
constexpr u32 kHeaderMagic = 0x53726448;  // "HdrS" little-endian
constexpr u16 kMinVersion = 0x020C;        // 2.12: xloadflags, the 64-bit entry
constexpr u16 kRsdpVersion = 0x020E;       // 2.14: boot_params.acpi_rsdp_addr
constexpr u8 kLoadedHigh = 1u << 0;        // loadflags bit 0
constexpr u16 kXlfKernel64 = 1u << 0;      // xloadflags bit 0: has the 64-bit entry
constexpr u64 kEntry64Offset = 0x200;      // from the load address
constexpr u8 kLoaderUndefined = 0xFF;      // type_of_loader: no assigned ID

// boot_params (zero-page.rst).
constexpr u64 kZeroPageSize = 4096;
constexpr u64 kAcpiRsdpAddr = 0x070;
constexpr u64 kExtRamdiskImage = 0x0C0;
constexpr u64 kExtRamdiskSize = 0x0C4;
constexpr u64 kExtCmdLinePtr = 0x0C8;
constexpr u64 kE820Entries = 0x1E8;
constexpr u64 kE820Table = 0x2D0;  // 20-byte entries: addr, size, type
constexpr u64 kE820Max = 128;
}  // namespace lbp

// boot_flag and "HdrS" at their places: the image is a bzImage (what picks
// this loader; load_linux then checks the rest).
bool is_linux_image(Bytes image);

// diag (optional) receives the item, range or protocol a refusal is about.
Result<LoadedGuest> load_linux(const Vm& vm, const LoadRequest& request, LoadDiagnostic* diag = nullptr);

}  // namespace nucleo::loader

// SPDX-License-Identifier: MIT
// What a guest-kernel loader takes and gives back, whatever the boot
// protocol: the image, command line and modules in; the entry state, where
// everything landed, or a refusal with the numbers that explain it out.
// Vendor-neutral: the VMX side maps BootEntry onto its own start state.
#pragma once

#include "kernel/lib/format.hpp"
#include "kernel/lib/result.hpp"
#include "kernel/lib/span.hpp"
#include "kernel/lib/str.hpp"

namespace nucleo::loader {

constexpr usize kMaxModules = 8;

struct GuestModule {
  Str name;  // the guest sees "name cmdline" (name alone without cmdline), as GRUB passes it
  Str cmdline;
  Bytes bytes;
};

struct LoadRequest {
  Bytes image;
  Str cmdline;
  Span<const GuestModule> modules;  // at most kMaxModules
  // Guest-physical address of an RSDP the VM's firmware area holds, copied
  // into the Multiboot2 information (tags 14/15); 0: none. Ignored by MB1.
  u64 rsdp_gpa = 0;
};

// The first instruction's state. Both Multiboot protocols enter the same
// way (Multiboot 0.6.96 3.2, Multiboot2 2.0 3.3): 32-bit protected mode,
// paging off, CS a flat 4 GiB execute/read code segment, DS/ES/FS/GS/SS flat
// 4 GiB read/write data segments, EFLAGS = 0x2 (IF and VM clear), A20 on,
// ESP undefined (0 here; the kernel sets its own stack), GDTR/IDTR
// undefined. EAX and EBX carry the magic and the boot information address.
// On VT-x this is vmx::GuestStart{protected32, rip = eip, rsp = 0} plus the
// two registers in GuestRegs.
//
// The Linux 64-bit boot protocol (Documentation/arch/x86/boot.rst, "64-bit
// Boot Protocol") enters in long mode instead: `long_mode` set, paging on
// with CR3 = `cr3` (identity-mapped tables the loader built), a GDT at
// `gdt_base` (limit `gdt_limit`) with CS = kLinuxBootCs, DS/ES/SS =
// kLinuxBootDs, interrupts disabled, RSI = `rsi` (boot_params), RIP = `eip`.
struct BootEntry {
  u32 eip = 0;
  u32 eax = 0;
  u32 ebx = 0;
  bool long_mode = false;
  u64 rsi = 0;
  u64 cr3 = 0;
  u64 gdt_base = 0;
  u16 gdt_limit = 0;
};

// boot.rst, "32-bit Boot Protocol" / "64-bit Boot Protocol": __BOOT_CS and
// __BOOT_DS, GDT entries 2 and 3.
constexpr u16 kLinuxBootCs = 0x10;
constexpr u16 kLinuxBootDs = 0x18;

struct GuestRange {
  u64 begin = 0;
  u64 end = 0;  // exclusive
};

struct LoadedGuest {
  BootEntry entry;
  GuestRange image;  // lowest loaded byte to the end of the highest segment (bss included)
  GuestRange info;   // the boot information structure (the MBI itself, not its strings)
  GuestRange modules[kMaxModules];
  usize module_count = 0;
};

// What a refusal is about, beyond the static Error text: which item (a
// segment, module or header tag, by index) and which guest-physical range.
struct LoadDiagnostic {
  const char* loader = "";  // "multiboot1", "multiboot2" or "linux"
  const char* item = "";    // "segment", "module", "tag", or "" when no item applies
  u32 index = 0;
  bool has_range = false;
  GuestRange range;
  // Linux: the image's boot protocol version (0x020A = 2.10) when a refusal
  // is about it, printed as "(boot protocol 2.10)"; 0 otherwise.
  u16 protocol = 0;
};

// One line: "multiboot1: segment lies in the legacy hole (segment 2
// [0xa0000, 0xa1000))", or just "<loader>: <what>" without an item.
void format_load_error(Sink& sink, const Error& error, const LoadDiagnostic& diag);

}  // namespace nucleo::loader

// SPDX-License-Identifier: MIT
// Guest linear -> guest physical, by walking the guest's own page tables in
// its RAM (SDM Vol. 3A chapter 5: 32-bit, PAE and 4-level paging; paging
// off). For emulating instructions that name linear addresses (string I/O,
// instruction fetch for APIC accesses and the extended instructions,
// hypercall buffers given as pointers). Pure; reads only the VM's RAM.
//
// guest_translate() also answers "may": the access rights of SDM Vol. 3A
// 5.6 (U/S and R/W of every level, CR0.WP, execute-disable with EFER.NXE,
// SMEP, SMAP with RFLAGS.AC) and, when refused or not present, the #PF
// error code the processor would push (5.7, Figure 5-12). The accessed and
// dirty bits are not set, and reserved bits are not checked (no RSVD).
#pragma once

#include "kernel/lib/result.hpp"
#include "kernel/virt/vm.hpp"

namespace nucleo {

struct GuestPagingState {
  u64 cr0 = 0, cr3 = 0, cr4 = 0, efer = 0;
};

// The access being emulated: a data read (the default), a write or an
// instruction fetch, at CPL 3 (`user`) or below; `ac` is RFLAGS.AC (SMAP
// lets supervisor data accesses to user pages through when it is set).
struct GuestAccess {
  bool write = false;
  bool user = false;
  bool fetch = false;
  bool ac = false;
};

// #PF error code bits (SDM Vol. 3A 5.7).
namespace pf {
constexpr u32 kPresent = 1u << 0, kWrite = 1u << 1, kUser = 1u << 2, kFetch = 1u << 4;
}

struct GuestTranslation {
  enum class Kind : u8 { ok, page_fault, outside_ram };
  Kind kind = Kind::ok;
  u64 gpa = 0;         // ok
  u32 error_code = 0;  // page_fault: what the processor would push
  u64 table = 0;       // outside_ram: the page table's guest-physical address
  const char* why = "";
};

GuestTranslation guest_translate(const Vm& vm, const GuestPagingState& state, u64 linear, GuestAccess access);

// Where, for a supervisor read (hypercall buffers): not present and page
// tables outside RAM are errors.
Result<u64> guest_linear_to_physical(const Vm& vm, const GuestPagingState& state, u64 linear);

}  // namespace nucleo

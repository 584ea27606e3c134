// SPDX-License-Identifier: MIT
// The segments a guest kernel asks for, independent of how it described
// them (ELF program headers, the Multiboot a.out kludge or the Multiboot2
// address tag): checked against the guest memory map, then copied into
// guest RAM with their bss zeroed. Pure; guest RAM only through
// Vm::guest_ram.
#pragma once

#include "kernel/virt/loader/elf.hpp"
#include "kernel/virt/loader/guest_load.hpp"
#include "kernel/virt/loader/guest_memory_map.hpp"
#include "kernel/virt/vm.hpp"

namespace nucleo::loader {

struct LoadSegment {
  u32 index = 0;  // program header number (0 for a raw image), for messages
  u64 paddr = 0;
  u64 file_offset = 0;
  u64 file_size = 0;
  u64 mem_size = 0;  // >= file_size; the rest is bss, zeroed
  constexpr u64 end() const { return paddr + mem_size; }
};

struct LoadPlan {
  static constexpr usize kMaxSegments = ElfImage::kMaxSegments;
  LoadSegment segments[kMaxSegments];
  usize count = 0;
  u64 entry = 0;  // guest-physical
};

// ELF: each PT_LOAD at its p_paddr. e_entry is a virtual address; like GRUB,
// it is translated through the segment whose virtual range holds it, so a
// higher-half kernel linked with AT() enters at its physical address.
// translate_entry false: the caller sets plan.entry (Multiboot2 entry tag).
Error plan_elf(const ElfImage& elf, LoadPlan& plan, LoadDiagnostic& diag, bool translate_entry = true);

// The address fields shared by the Multiboot1 a.out kludge (0.6.96 3.1.3)
// and the Multiboot2 address tag (2.0 3.1.5): the image from file offset
// header_offset - (header_addr - load_addr) is loaded at load_addr, up to
// load_end_addr (0: the end of the file), then zeroed up to bss_end_addr
// (0: no bss). The entry is the caller's (entry_addr / the entry tag).
struct AddressFields {
  u64 header_offset = 0;
  u32 header_addr = 0;
  u32 load_addr = 0;
  u32 load_end_addr = 0;
  u32 bss_end_addr = 0;
};
Error plan_raw(Bytes image, const AddressFields& f, LoadPlan& plan, LoadDiagnostic& diag);

// Every segment below 4 GiB, inside guest RAM, out of the legacy hole and
// the boot information area, clear of every other segment; the entry inside
// a segment. The first rule broken is reported with the segment and range.
Error check_plan(const LoadPlan& plan, const GuestMemoryMap& map, LoadDiagnostic& diag);

// From the lowest segment start to the highest segment end.
GuestRange plan_extent(const LoadPlan& plan);

// Copies file bytes and zeroes bss. The plan must have passed check_plan
// for this VM's RAM and its segments must lie in `image` (plan_elf and
// plan_raw ensure that).
void write_plan(const LoadPlan& plan, Bytes image, const Vm& vm);

}  // namespace nucleo::loader

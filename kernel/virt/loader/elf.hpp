// SPDX-License-Identifier: MIT
// ELF32 and ELF64 executables as a guest loader needs them: the file header
// and the PT_LOAD program headers (System V ABI, "Object Files" and
// "Program Loading"; ELF-64 Object File Format 1.5). Untrusted input: every
// field is checked against the image before it is used. Pure.
#pragma once

#include "kernel/lib/result.hpp"
#include "kernel/lib/span.hpp"
#include "kernel/virt/loader/guest_load.hpp"

namespace nucleo::loader {

constexpr u16 kElfMachineI386 = 3;     // EM_386
constexpr u16 kElfMachineX86_64 = 62;  // EM_X86_64

struct ElfSegment {
  u32 index = 0;  // program header number, for messages
  u64 file_offset = 0;
  u64 file_size = 0;
  u64 vaddr = 0;
  u64 paddr = 0;
  u64 mem_size = 0;
};

struct ElfImage {
  static constexpr usize kMaxSegments = 16;
  bool is_64 = false;
  u16 machine = 0;
  u64 entry = 0;                      // virtual, as e_entry says
  ElfSegment segments[kMaxSegments];  // PT_LOAD with p_memsz > 0, in header order
  usize segment_count = 0;
};

// The four magic bytes 0x7F 'E' 'L' 'F'.
bool has_elf_magic(Bytes image);

// Checks: identification (class 32/64, little-endian, version 1), ET_EXEC,
// EM_386 for ELF32 and EM_X86_64 for ELF64, a program header table inside
// the image, and for every PT_LOAD: p_filesz <= p_memsz, file bytes inside
// the image, no wrap of p_vaddr/p_paddr + p_memsz, at most kMaxSegments.
// Placement in guest RAM is the caller's business. On error, diag names the
// program header at fault (item "segment").
Error parse_elf(Bytes image, ElfImage& out, LoadDiagnostic& diag);

}  // namespace nucleo::loader

// SPDX-License-Identifier: MIT
// The register state of a virtual local APIC: one 4 KiB page laid out like
// the xAPIC MMIO page (each register a u32 at its offset, 16-byte stride,
// SDM Vol. 3A 11.4.1), so that the same page can be the VMX virtual-APIC
// page (SDM Vol. 3C 30.1) when the processor virtualizes APIC accesses.
// Every access is a relaxed atomic load or store of one aligned u32: the
// processor (with APIC virtualization) and other cores (sending IPIs read
// a peer's LDR, DFR and SVR) may touch the page concurrently; the 256-bit
// ISR/TMR/IRR change bit by bit with atomic read-modify-writes.
#pragma once

#include "kernel/lib/types.hpp"
#include "kernel/virt/lapic/lapic_regs.hpp"

namespace nucleo {

struct alignas(4096) LapicPage {
  u32 words[1024];

  u32 get(u32 offset) const { return __atomic_load_n(&words[index(offset)], __ATOMIC_RELAXED); }
  void set(u32 offset, u32 value) { __atomic_store_n(&words[index(offset)], value, __ATOMIC_RELAXED); }
  void clear() {
    for (u32& w : words) __atomic_store_n(&w, 0u, __ATOMIC_RELAXED);
  }

  void or_bits(u32 offset, u32 bits) { __atomic_fetch_or(&words[index(offset)], bits, __ATOMIC_RELAXED); }

  // The 256-bit registers (ISR at 0x100, TMR at 0x180, IRR at 0x200): vector
  // v is bit v % 32 of the register at base + (v / 32) * 16.
  bool test(u32 base, u8 vector) const { return (get(word_of(base, vector)) >> (vector & 31)) & 1; }
  void set_bit(u32 base, u8 vector) {
    __atomic_fetch_or(&words[index(word_of(base, vector))], 1u << (vector & 31), __ATOMIC_RELAXED);
  }
  void clear_bit(u32 base, u8 vector) {
    __atomic_fetch_and(&words[index(word_of(base, vector))], ~(1u << (vector & 31)), __ATOMIC_RELAXED);
  }
  // The highest vector set, or -1.
  i32 highest(u32 base) const {
    for (i32 reg = 7; reg >= 0; --reg) {
      const u32 w = get(base + static_cast<u32>(reg) * 16);
      if (w != 0) return reg * 32 + 31 - __builtin_clz(w);
    }
    return -1;
  }

 private:
  static constexpr u32 index(u32 offset) { return (offset & 0xFFF) >> 2; }
  static constexpr u32 word_of(u32 base, u8 vector) { return base + (vector >> 5) * 16u; }
};
static_assert(sizeof(LapicPage) == 4096);

}  // namespace nucleo

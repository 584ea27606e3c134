// SPDX-License-Identifier: MIT
#include "kernel/arch/cpu_tables.hpp"

namespace nucleo {

namespace {

struct [[gnu::packed]] DescriptorPointer {
  u16 limit;
  u64 base;
};

// SDM Vol. 3A 3.4.5: code/data descriptors (flat; base and limit ignored in
// 64-bit mode) and 7.2.3: the 16-byte TSS descriptor, type 9 (available).
constexpr u64 kCode64 = 0x00AF9A000000FFFF;
constexpr u64 kData = 0x00CF92000000FFFF;

void tss_descriptor(u64* slot, const Tss64* tss) {
  const auto base = reinterpret_cast<u64>(tss);
  const u64 limit = sizeof(Tss64) - 1;
  slot[0] = (limit & 0xFFFF) | (base & 0xFFFFFF) << 16 | u64{0x89} << 40 | ((limit >> 16) & 0xF) << 48 |
            ((base >> 24) & 0xFF) << 56;
  slot[1] = base >> 32;
}

}  // namespace

void load_cpu_tables(CpuTables& t) {
  t.gdt[0] = 0;
  t.gdt[1] = kCode64;
  t.gdt[2] = kData;
  t.tss = Tss64{};
  t.tss.iomap_base = sizeof(Tss64);  // no I/O bitmap
  for (usize i = 0; i < 3; ++i) t.tss.ist[i] = reinterpret_cast<u64>(&t.ist_stacks[i][CpuTables::kIstStackSize]);
  tss_descriptor(&t.gdt[3], &t.tss);

  const DescriptorPointer gdtr{sizeof(t.gdt) - 1, reinterpret_cast<u64>(&t.gdt[0])};
  asm volatile(
      "lgdt %0\n\t"
      "pushq %1\n\t"
      "leaq 1f(%%rip), %%rax\n\t"
      "pushq %%rax\n\t"
      "lretq\n"  // reload CS
      "1:\n\t"
      "movw %w2, %%ax\n\t"
      "movw %%ax, %%ds\n\t"
      "movw %%ax, %%es\n\t"
      "movw %%ax, %%ss\n\t"
      "ltr %w3"
      :
      : "m"(gdtr), "i"(kKernelCode), "r"(static_cast<u32>(kKernelData)), "r"(static_cast<u32>(kTss))
      : "rax", "memory");
}

}  // namespace nucleo

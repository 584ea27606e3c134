// SPDX-License-Identifier: MIT
// The IDT (SDM Vol. 3A 6.14.1, Figure 6-8: 64-bit interrupt gates).
#include "kernel/arch/cpu_tables.hpp"

extern "C" const nucleo::u64 exception_stub_table[32];
extern "C" const char interrupt_stubs_32[];  // 16 bytes per vector from 32 on

namespace nucleo {

namespace {

struct IdtGate {
  u16 offset_low;
  u16 selector;
  u8 ist;
  u8 type_attr;  // present, DPL 0, type 0xE = 64-bit interrupt gate
  u16 offset_mid;
  u32 offset_high;
  u32 reserved;
};
static_assert(sizeof(IdtGate) == 16);

constinit IdtGate g_idt[256] = {};

struct [[gnu::packed]] IdtPointer {
  u16 limit;
  u64 base;
};

IdtGate gate(u64 handler, u8 ist) {
  return IdtGate{static_cast<u16>(handler), kKernelCode, ist, 0x8E, static_cast<u16>(handler >> 16),
                 static_cast<u32>(handler >> 32), 0};
}

}  // namespace

void build_idt() {
  for (u8 v = 0; v < 32; ++v) {
    u8 ist = 0;
    if (v == 2) ist = kIstNmi;
    if (v == 8) ist = kIstDoubleFault;
    if (v == 18) ist = kIstMachineCheck;
    g_idt[v] = gate(exception_stub_table[v], ist);
  }
  for (u32 v = 32; v < 256; ++v) g_idt[v] = gate(reinterpret_cast<u64>(interrupt_stubs_32 + (v - 32) * 16), 0);
}

void load_idt() {  const IdtPointer idtr{sizeof(g_idt) - 1, reinterpret_cast<u64>(&g_idt[0])};
  asm volatile("lidt %0" ::"m"(idtr));
}

}  // namespace nucleo

// SPDX-License-Identifier: MIT
// Per-CPU descriptor tables: a GDT with a 64-bit TSS whose interrupt stack
// table gives NMI, double fault and machine check their own stacks (SDM Vol.
// 3A 7.14.5), so a kernel stack overflow still reaches the fault dump.
#pragma once

#include "kernel/lib/types.hpp"

namespace nucleo {

// SDM Vol. 3A 9.7, Figure 9-11: 64-bit TSS.
struct [[gnu::packed]] Tss64 {
  u32 reserved0;
  u64 rsp[3];
  u64 reserved1;
  u64 ist[7];
  u64 reserved2;
  u16 reserved3;
  u16 iomap_base;
};
static_assert(sizeof(Tss64) == 104);

enum Selector : u16 { kKernelCode = 0x08, kKernelData = 0x10, kTss = 0x18 };
enum IstSlot : u8 { kIstDoubleFault = 1, kIstNmi = 2, kIstMachineCheck = 3 };

struct CpuTables {
  static constexpr usize kIstStackSize = 8 * 1024;
  alignas(16) u64 gdt[5];  // null, code64, data, TSS (two slots)
  Tss64 tss;
  alignas(16) u8 ist_stacks[3][kIstStackSize];
};

// Fills and loads the GDT and TSS of the calling CPU (lgdt, segment reload, ltr).
void load_cpu_tables(CpuTables& tables);

// The shared IDT (built once by the boot CPU, loaded by every CPU): all 256
// vectors enter interrupt_entry (kernel/interrupts/exceptions.cpp).
void build_idt();
void load_idt();

}  // namespace nucleo

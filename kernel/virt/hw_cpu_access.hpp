// SPDX-License-Identifier: MIT
// CpuAccess bound to the instructions (kernel-only).
#pragma once

#include "kernel/arch/cpu.hpp"
#include "kernel/virt/cpu_access.hpp"

namespace nucleo {

class HwCpuAccess final : public CpuAccess {
 public:
  CpuidValues cpuid(u32 leaf, u32 subleaf) override {
    const cpu::CpuidResult r = cpu::cpuid(leaf, subleaf);
    return {r.eax, r.ebx, r.ecx, r.edx};
  }
  u64 rdmsr(u32 msr) override { return cpu::rdmsr(msr); }
  u64 rdtsc() override { return cpu::rdtsc(); }
  void xsetbv(u32 xcr, u64 value) override {
    asm volatile("xsetbv" ::"c"(xcr), "a"(static_cast<u32>(value)), "d"(static_cast<u32>(value >> 32)));
  }
  void wbinvd() override { asm volatile("wbinvd" ::: "memory"); }
  void relax() override { asm volatile("sti; pause; cli" ::: "memory"); }
};

}  // namespace nucleo

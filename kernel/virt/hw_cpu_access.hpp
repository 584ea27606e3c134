// SPDX-License-Identifier: MIT
// CpuAccess bound to the instructions (kernel-only).
#pragma once

#include "kernel/arch/cpu.hpp"
#include "kernel/arch/lapic.hpp"
#include "kernel/lib/mul_div.hpp"
#include "kernel/time/clock.hpp"
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
  void write_cr2(u64 value) override { asm volatile("mov %0, %%cr2" ::"r"(value) : "memory"); }
  void relax() override { asm volatile("sti; pause; cli" ::: "memory"); }
  // The host LAPIC timer (smp/cross_call.cpp's handler just counts it)
  // bounds the sleep; STI's shadow keeps an interrupt from slipping in
  // between it and HLT (SDM Vol. 2B, STI).
  void idle(u64 tsc_deadline) override {
    if (tsc_deadline != 0) {
      const u64 now = cpu::rdtsc();
      if (tsc_deadline <= now) return;
      const clock::Calibration& cal = clock::calibration();
      const u64 ticks = mul_div(tsc_deadline - now, cal.lapic_timer_hz, cal.tsc_hz) + 1;
      lapic::arm_oneshot(lapic::kVectorTimer, static_cast<u32>(ticks < 0xFFFFFFFF ? ticks : 0xFFFFFFFF));
    }
    asm volatile("sti; hlt; cli" ::: "memory");
  }
};

}  // namespace nucleo

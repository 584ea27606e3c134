// SPDX-License-Identifier: MIT
// The CPU seam for exit handlers: CPUID, MSRs, TSC, XCR0 of the physical
// CPU. The kernel binds the instructions (kernel/virt/hw_cpu_access.hpp);
// host tests bind scripted tables. A handler never executes these itself.
#pragma once

#include "kernel/lib/types.hpp"

namespace nucleo {

struct CpuidValues {
  u32 eax = 0, ebx = 0, ecx = 0, edx = 0;
  bool operator==(const CpuidValues&) const = default;
};

class CpuAccess {
 public:
  virtual CpuidValues cpuid(u32 leaf, u32 subleaf) = 0;
  virtual u64 rdmsr(u32 msr) = 0;
  virtual u64 rdtsc() = 0;
  // Loads XCR0 (the guest's, already validated) on this CPU.
  virtual void xsetbv(u32 xcr, u64 value) = 0;
  // Loads CR2, which VM entries and exits leave alone (the guest's is this
  // CPU's): the faulting linear address of a #PF the handler injects.
  virtual void write_cr2(u64 value) = 0;
  // Lets the host's own interrupts in during a long wait in a handler (a
  // vCPU waiting for its timer must not block cross-calls to its core).
  virtual void relax() {}
  // Sleeps until a host interrupt arrives (an IPI kick, or a host timer set
  // for tsc_deadline when it is not 0); may return early.
  virtual void idle(u64 tsc_deadline) {
    (void)tsc_deadline;
    relax();
  }

 protected:
  ~CpuAccess() = default;
};

}  // namespace nucleo

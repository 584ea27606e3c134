// SPDX-License-Identifier: MIT
#include "smp/percpu.hpp"

#include "kernel/arch/cpu.hpp"
#include "kernel/arch/msr.hpp"

namespace nucleo {

namespace {
constinit bool g_ready = false;
}

void install_percpu(PerCpu& cpu) {
  cpu.self = &cpu;
  cpu::wrmsr(msr::kGsBase, reinterpret_cast<u64>(&cpu));
  g_ready = true;
}

bool percpu_ready() { return g_ready; }

}  // namespace nucleo

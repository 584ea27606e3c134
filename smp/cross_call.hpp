// SPDX-License-Identifier: MIT
// Cross-core primitives: run a function on a set of CPUs and wait for all
// of them (fixed-vector IPI), TLB shootdown on top of it, and NMI IPIs.
#pragma once

#include "kernel/lib/cpu_set.hpp"
#include "kernel/lib/result.hpp"

namespace nucleo::smp {

using CallFn = void (*)(void* arg);

// Installs the local APIC interrupt handlers: cross-call, wake-up, timer,
// error, spurious (boot CPU, once).
void init_cross_calls();

// Runs fn(arg) on every online CPU in `targets` (on the caller directly, on
// the others from the call IPI) and returns when all have finished. Calls
// are serialised; the caller must have interrupts enabled or be the only
// caller. An error names how many CPUs did not answer in time.
Error run_on_cpus(const CpuSet& targets, CallFn fn, void* arg);

// Invalidates the translation of `va` on every online CPU (INVLPG).
Error tlb_shootdown(u64 va);

// Long-running work (a vCPU) for another CPU's idle loop: returns at once;
// work_done() says when fn has returned. One item per CPU at a time.
Error start_work(u32 cpu, CallFn fn, void* arg);
bool work_done(u32 cpu);
// The idle loop of an AP: runs posted work, else sleeps in HLT.
[[noreturn]] void idle_loop();

// Sends an NMI to each CPU in targets that is expected to count it.
void send_nmi(const CpuSet& targets);

}  // namespace nucleo::smp

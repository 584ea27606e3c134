// SPDX-License-Identifier: MIT
// A first guest on every core: one VM per online CPU, each running the
// in-tree test guest (guests/test_guest) on its own core, all in parallel.
// Command line: guest.fault=ept|triple makes the VM on the last core end
// with that fault after its checks (to show containment), guest=bench runs
// the exit-cost benchmark guest instead (guests/bench_guest), vmx.timer=N sets
// the preemption-timer slice (TSC ticks >> IA32_VMX_MISC[4:0]; 0 = off).
#pragma once

#include "kernel/boot_info/cmdline.hpp"
#include "kernel/lib/format.hpp"

namespace nucleo::vmx {

struct TestVmsResult {
  u32 vms = 0;
  u32 as_expected = 0;  // ended the way they were asked to
};

TestVmsResult run_test_vms(const Cmdline& cmdline);

// Per-VM exit counts as a JSON object, for the result line.
void exits_json(Sink& out);

}  // namespace nucleo::vmx

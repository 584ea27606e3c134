// SPDX-License-Identifier: MIT
// "Look at me before the next VM entry": the flag that makes the entry path
// event-driven (docs/devices.md, "When devices run"). A vCPU's entry runs
// its interrupt controllers' and timers' work only when the flag is raised
// (an exit that may have changed their state, an interrupt accepted from
// any core, a device access) or a deadline armed in the VMX-preemption
// timer fired; otherwise the entry is one load and a test. Any core may
// raise it; only the owner takes it, before it looks, so a raise that
// races with the look is kept for the next entry.
#pragma once

#include "kernel/lib/types.hpp"

namespace nucleo {

class Attention {
 public:
  void raise() { __atomic_store_n(&raised_, 1u, __ATOMIC_RELEASE); }
  bool raised() const { return __atomic_load_n(&raised_, __ATOMIC_RELAXED) != 0; }
  // Owner only: clears it and says whether it was raised.
  bool take() { return __atomic_exchange_n(&raised_, 0u, __ATOMIC_ACQ_REL) != 0; }

 private:
  u32 raised_ = 1;  // a new vCPU looks once
};

}  // namespace nucleo

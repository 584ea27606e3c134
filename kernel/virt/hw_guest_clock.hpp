// SPDX-License-Identifier: MIT
// GuestClock bound to the processor's TSC (kernel-only). VMs run with a TSC
// offset of 0, so the guest's TSC is the host's.
#pragma once

#include "kernel/arch/cpu.hpp"
#include "kernel/time/clock.hpp"
#include "kernel/virt/guest_clock.hpp"

namespace nucleo {

class HwGuestClock final : public GuestClock {
 public:
  u64 tsc() const override { return cpu::rdtsc(); }
  u64 tsc_hz() const override { return clock::tsc_hz(); }
};

}  // namespace nucleo

// SPDX-License-Identifier: MIT
// Configured VMs' console lines to the host console (kernel/virt/
// console_queue.hpp): "[vm] text" lines, like the kernel's own log, written
// only when the console is free unless the caller may wait.
#pragma once

#include "kernel/virt/console_queue.hpp"

namespace nucleo::vmx {

// Drains `queue` to the host console; `wait`: until it is empty.
u32 drain_guest_console(ConsoleQueue& queue, bool wait);

// Whether a core of the hypervisor's own drains every VM's queue (the boot
// core, when it runs no vCPU: vm_launcher.cpp's wait loop, every 1 ms).
// Then a vCPU leaves its lines to it and drains on its own time only when
// its queue is half full, so console output never lands inside a guest's
// timed stretch (pc_smp's PIT calibration measures exactly such stalls).
void set_idle_drainer(bool present);
bool idle_drainer();

}  // namespace nucleo::vmx

// SPDX-License-Identifier: MIT
// Configured VMs' console lines to the host console (kernel/virt/
// console_queue.hpp): "[vm] text" lines, like the kernel's own log, written
// only when the console is free unless the caller may wait.
#pragma once

#include "kernel/virt/console_queue.hpp"

namespace nucleo::vmx {

// Drains `queue` to the host console; `wait`: until it is empty.
u32 drain_guest_console(ConsoleQueue& queue, bool wait);

}  // namespace nucleo::vmx

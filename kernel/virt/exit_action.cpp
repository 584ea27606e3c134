// SPDX-License-Identifier: MIT
#include "kernel/virt/exit_action.hpp"

namespace nucleo {

const char* stop_reason_name(StopReason r) {
  switch (r) {
    case StopReason::none: return "running";
    case StopReason::guest_exit: return "guest exit";
    case StopReason::triple_fault: return "triple fault";
    case StopReason::unhandled_exit: return "unhandled exit";
    case StopReason::bad_memory_access: return "access outside the VM's memory";
    case StopReason::entry_failed: return "VM entry failed";
    case StopReason::halted_forever: return "halted with nothing to wake it";
    case StopReason::reboot_requested: return "reboot requested";
    case StopReason::hypervisor_error: return "hypervisor error";
  }
  return "unknown";
}

}  // namespace nucleo

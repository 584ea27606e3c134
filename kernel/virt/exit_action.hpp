// SPDX-License-Identifier: MIT
// What an exit handler decides. Handlers never resume the guest, never touch
// RIP and never inject by themselves: the dispatcher applies the action in
// one place (advance RIP and clear STI/MOV-SS blocking, inject an event,
// stop the VM). Vendor-neutral.
#pragma once

#include "kernel/lib/types.hpp"

namespace nucleo {

// Why a VM stopped; also the VM's exit status when it ends by itself.
enum class StopReason : u8 {
  none,
  guest_exit,          // the guest asked (isa-debug-exit, hypercall): code in exit_code
  triple_fault,
  unhandled_exit,      // an exit reason nucleo does not handle: diagnostic printed
  bad_memory_access,   // EPT violation outside RAM and every MMIO device
  entry_failed,        // VM entry failed: diagnostic printed
  halted_forever,      // HLT with interrupts off and nothing that can wake it
  reboot_requested,    // the guest asked to be reset (NUCLEO_HC_REBOOT)
  hypervisor_error,
};

const char* stop_reason_name(StopReason r);

struct Event {  // an exception or interrupt to inject at the next entry
  u8 vector = 0;
  u8 type = 0;  // SDM Vol. 3C Table 25-17 encoding; vendor code maps it
  bool has_error_code = false;
  u32 error_code = 0;
};

struct ExitAction {
  enum class Kind : u8 { resume, advance, inject, stop };
  Kind kind = Kind::resume;
  StopReason stop = StopReason::none;
  Event event;
  u64 exit_code = 0;  // for StopReason::guest_exit

  static constexpr ExitAction resume() { return ExitAction{}; }
  static constexpr ExitAction advance() {
    ExitAction a;
    a.kind = Kind::advance;
    return a;
  }
  static constexpr ExitAction inject(Event e) {
    ExitAction a;
    a.kind = Kind::inject;
    a.event = e;
    return a;
  }
  static constexpr ExitAction stop_vm(StopReason r, u64 code = 0) {
    ExitAction a;
    a.kind = Kind::stop;
    a.stop = r;
    a.exit_code = code;
    return a;
  }
};

}  // namespace nucleo

// SPDX-License-Identifier: MIT
// The seam between the vendor-neutral hypercall dispatcher and the code that
// runs the vCPU (VT-x today): the ABI registers going in and out, what the
// caller's CPU mode is, what the dispatcher asks the vCPU loop to do, and
// HypercallEnv, everything the dispatcher needs of the VM and the
// hypervisor. The ABI itself is guests/include/nucleo/hypercall.h.
#pragma once

#include "guests/include/nucleo/hypercall.h"
#include "kernel/lib/span.hpp"
#include "kernel/lib/types.hpp"

namespace nucleo {

class ChannelTable;

// The registers of the convention: function in rax, arguments in rbx, rcx,
// rdx, rsi. The dispatcher writes results into rax (and rbx, rcx, rdx where
// a function says so) and leaves every register it does not return in as
// it was, high halves included.
struct HypercallRegs {
  u64 rax = 0, rbx = 0, rcx = 0, rdx = 0, rsi = 0;
};

// Where the VMCALL came from: outside 64-bit mode (CS.L = 0) only the low
// 32 bits of each argument register count; CPL > 0 is refused.
struct HypercallCaller {
  bool long_mode = true;
  u32 cpl = 0;
};

// What the vCPU loop does after the call. Every action but shutdown and
// reboot first completes the VMCALL (advance RIP, results in the registers).
struct HypercallResult {
  enum class Action : u8 {
    complete,  // resume the guest after the VMCALL
    block,     // then wait until an event is pending for this vCPU
    yield,     // then let something else run if anything can
    shutdown,  // the VM ends with exit_code (NUCLEO_HC_EXIT)
    reboot,    // the VM is reset (NUCLEO_HC_REBOOT; the VM's on_crash policy decides)
  };
  Action action = Action::complete;
  u64 exit_code = 0;
};

class HypercallEnv {
 public:
  // Guest-physical [gpa, gpa + length) when it lies wholly inside the VM's
  // RAM, else an empty span: the dispatcher's only way into guest memory.
  virtual Span<u8> guest_memory(u64 gpa, u64 length) = 0;
  // Text for the VM's console (whole lines, prefixed with the VM's name).
  virtual void console_write(Span<const u8> text) = 0;

  virtual u32 vcpu_index() = 0;
  virtual u32 vcpu_count() = 0;  // 1..64

  virtual u64 tsc_hz() = 0;
  virtual u64 guest_tsc() = 0;
  virtual u64 wall_clock_ns() = 0;  // since the Unix epoch; 0: unknown

  // Checked by the dispatcher: delay < NUCLEO_HC_TIMER_MAX_DELAY, vector 32..255.
  virtual void arm_timer(u64 delay_tsc, u8 vector) = 0;
  // Checked: mask != 0 and only bits below vcpu_count(), vector 32..255.
  virtual void send_event(u64 vcpu_mask, u8 vector) = 0;
  // The calling VM's exits so far, summed over its vCPUs. `out` arrives
  // zeroed; the dispatcher sets size and reason_count itself.
  virtual void exit_stats(nucleo_hc_exit_stats& out) = 0;
  // The calling VM's extended-instruction counters (vmx/ext), likewise;
  // the dispatcher sets size and proposal_count.
  virtual void isa_stats(nucleo_hc_isa_stats& out) = 0;
  virtual u32 isa_proposal_count() = 0;

  // Channels: the table (nullptr: the VM has none), the calling VM's index
  // in it (its index in the configuration), and delivery of a doorbell to
  // another VM's vCPU; false when that VM is not running (any more).
  virtual ChannelTable* channels() = 0;
  virtual u32 vm_index() = 0;
  virtual bool signal_vm(u32 vm, u32 vcpu, u8 vector) = 0;

  // Starts the calling VM's vCPU `index` (NUCLEO_HC_VCPU_START) at `entry`
  // in the boot vCPU's start state (32-bit flat protected mode, paging off,
  // RFLAGS 0x2) with EAX = NUCLEO_HC_VCPU_START_MAGIC and EBX = `arg`.
  // Checked by the dispatcher: 1 <= index < vcpu_count(), index !=
  // vcpu_index(), entry < 4 GiB and inside the VM's RAM. Returns 0 when the
  // vCPU will start, or NUCLEO_HC_E_INVALID, doing nothing, when it has
  // started already (earlier VCPU_START, INIT-SIPI, or it is running). Two
  // vCPUs racing to start the same one: exactly one gets 0.
  virtual i64 start_vcpu(u32 index, u64 entry, u32 arg) = 0;

  // Moves the calling VM's RAM page at `gpa` to another host frame
  // (NUCLEO_HC_MIGRATE_PAGE): its contents and every vCPU's writes kept,
  // the broadcast EPT invalidation done by a cross-call or by BINVEPT.
  // Checked by the dispatcher: gpa 4 KiB aligned and inside the VM's RAM.
  // Returns 0, or NUCLEO_HC_E_RANGE, doing nothing, when the VM already has
  // NUCLEO_HC_MIGRATE_MAX_PAGES other pages moved.
  virtual i64 migrate_page(u64 gpa, bool binvept) = 0;

 protected:
  ~HypercallEnv() = default;
};

}  // namespace nucleo

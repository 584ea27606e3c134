// SPDX-License-Identifier: MIT
// A virtual machine as the vendor-neutral parts of nucleo see it: its RAM
// (one contiguous host range, guest-physical 0..size), its buses, its
// console, and how it ended. Static partitioning: each vCPU is pinned to
// one physical core.
#pragma once

#include "kernel/arch/spinlock.hpp"
#include "kernel/lib/format.hpp"
#include "kernel/lib/span.hpp"
#include "kernel/lib/str.hpp"
#include "kernel/virt/exit_action.hpp"
#include "kernel/virt/io_bus.hpp"
#include "kernel/virt/moved_pages.hpp"

namespace nucleo {

// Where a VM's console lines go: the hypervisor's log in the kernel, a
// recorder in host tests.
class ConsoleLineSink {
 public:
  virtual void line(Str vm_name, Str text) = 0;

 protected:
  ~ConsoleLineSink() = default;
};

// Collects a VM's output into whole lines and hands each to the sink with
// the VM's name, so lines of different VMs never interleave. Pure.
// Every vCPU of the VM writes here (the UART under the I/O-bus lock, the
// console hypercall without it, each vCPU's final flush), so one lock
// guards the line. A line longer than kLineLimit is handed on in pieces of
// kLineLimit bytes, none lost. write() holds the lock for its whole text,
// so one console hypercall is never split by another vCPU's output; bytes
// put() one at a time (the UART) from two vCPUs interleave, as on a real
// shared UART.
class VmConsole {
 public:
  static constexpr usize kLineLimit = 200;

  void put(char c) {
    LockGuard guard(lock_);
    put_locked(c);
  }
  void write(Str text) {
    LockGuard guard(lock_);
    for (char c : text) put_locked(c);
  }
  void flush() {
    LockGuard guard(lock_);
    flush_locked();
  }
  Str name;
  ConsoleLineSink* sink = nullptr;  // nullptr: output is dropped

 private:
  void put_locked(char c);
  void flush_locked();
  TicketLock lock_;
  char line_[kLineLimit] = {};
  usize length_ = 0;
};

struct Vm {
  Str name;
  u32 id = 0;
  u64 ram_hpa = 0;   // host-physical base of guest-physical 0
  u64 ram_size = 0;  // bytes
  u8* ram = nullptr; // the same memory through the direct map
  IoBus io;
  VmConsole console;

  bool stopped = false;
  StopReason stop_reason = StopReason::none;
  u64 exit_code = 0;
  // A device asked to end the VM (isa-debug-exit, Bochs shutdown port).
  bool exit_requested = false;
  u64 requested_code = 0;
  // A device reset the machine (ResetControl): the VM ends as rebooted.
  bool reset_requested = false;
  // Why the VM stopped, in words, for the console (filled by handlers).
  char diagnostic[256] = {};
  usize diagnostic_length = 0;

  template <typename... Args>
  void diagnose(Str fmt, const Args&... args) {
    BufferSink sink(diagnostic, sizeof diagnostic);
    format(sink, fmt, args...);
    diagnostic_length = sink.view().size();
  }
  Str diagnosis() const { return Str(diagnostic, diagnostic_length); }

  // Pages of RAM moved to other host frames (page migration), and the page
  // being moved now (write-protected in the EPT while it is copied;
  // kNotMoving otherwise).
  MovedPages moved;
  static constexpr u64 kNotMoving = ~u64{0};
  u64 moving_page = kNotMoving;
  // A write that hit the EPT write protection of a migration: the vCPU
  // retries the instruction until the page is writable at its new frame.
  bool write_blocked_by_migration(u64 gpa) const {
    const u64 page = gpa & ~u64{0xFFF};
    return gpa < ram_size &&
           (__atomic_load_n(&moving_page, __ATOMIC_ACQUIRE) == page || moved.find(page) != nullptr);
  }

  // Guest-physical [gpa, gpa+length) inside RAM, or an empty span: the only
  // way handlers touch guest memory, so nothing outside the VM is reachable.
  // A range inside one moved page is that page's frame; a range across
  // pages that takes in a moved one is refused (empty), as it is not
  // contiguous in host memory.
  Span<u8> guest_ram(u64 gpa, u64 length) const {
    if (gpa > ram_size || length > ram_size - gpa) return {};
    if (moved.any() && length != 0) {
      const u64 first = gpa & ~u64{0xFFF}, last = (gpa + length - 1) & ~u64{0xFFF};
      u8* host = moved.find_between(first, last);
      if (host != nullptr && first != last) return {};
      if (host != nullptr) return Span<u8>(host + (gpa & 0xFFF), static_cast<usize>(length));
    }
    return Span<u8>(ram + gpa, static_cast<usize>(length));
  }
};

}  // namespace nucleo

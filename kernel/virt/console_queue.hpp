// SPDX-License-Identifier: MIT
// A VM's console lines on their way to the host console (issue 13, hole 3).
// The guest's path (the UART under the VM's I/O-bus lock, the console
// hypercall) only copies a finished line into this bounded queue; the
// lines leave for the host console later, off that path, through drain():
// by the VM's own vCPU after its exit is handled, by the hypervisor's idle
// core, and waiting only at the end of a run. A full queue drops the new
// line and counts it, so a guest that floods its console loses its own
// lines and nobody else's time: a drain that finds the console busy leaves
// its lines queued, and waits its turn (one line of each other writer at
// most) only once its queue is half full. Pure: host tests drain it with a recorder.
#pragma once

#include "kernel/arch/spinlock.hpp"
#include "kernel/lib/str.hpp"
#include "kernel/virt/vm.hpp"

namespace nucleo {

// Where drained lines go: the host console in the kernel. write_line()
// with `wait` false must not wait for a busy console: it returns false
// and the line stays queued.
class ConsoleLineWriter {
 public:
  virtual bool write_line(Str vm_name, Str text, bool wait) = 0;

 protected:
  ~ConsoleLineWriter() = default;
};

class ConsoleQueue final : public ConsoleLineSink {
 public:
  // 32 lines of up to 200 bytes: 6.4 KiB per VM.
  static constexpr u32 kLines = 32;

  // The guest's side (VmConsole, under its lock): queue, or drop and count.
  void line(Str vm_name, Str text) override;

  // Lines oldest first to `out` until the queue is empty or `out` refuses
  // one (without `wait`: also after kLines lines). One drainer at a time
  // keeps the order: without `wait` a second caller returns at once, and a
  // line it leaves goes with the next drain (every exit of the VM's vCPUs
  // looks). Returns the lines written.
  u32 drain(ConsoleLineWriter& out, bool wait);

  bool pending() const { return __atomic_load_n(&count_, __ATOMIC_ACQUIRE) != 0; }
  bool half_full() const { return __atomic_load_n(&count_, __ATOMIC_ACQUIRE) >= kLines / 2; }
  // After one of the VM's exits: whether its vCPU drains now. With an idle
  // core of the hypervisor draining every queue (`idle_drainer`), only once
  // half full, so console output stays out of the guest's timed stretches.
  bool vcpu_should_drain(bool idle_drainer) const { return pending() && (!idle_drainer || half_full()); }
  u64 dropped() const { return __atomic_load_n(&dropped_, __ATOMIC_RELAXED); }
  u64 written() const { return __atomic_load_n(&written_, __ATOMIC_RELAXED); }

 private:
  u32 drain_once(ConsoleLineWriter& out, bool wait);

  TicketLock ring_lock_;
  TicketLock drainer_;
  Str name_;
  char text_[kLines][VmConsole::kLineLimit] = {};
  u16 length_[kLines] = {};
  u32 head_ = 0;   // oldest line
  u32 count_ = 0;  // lines queued
  u64 dropped_ = 0;
  u64 written_ = 0;
};

}  // namespace nucleo

// SPDX-License-Identifier: MIT
#include "kernel/virt/console_queue.hpp"

namespace nucleo {

void ConsoleQueue::line(Str vm_name, Str text) {
  LockGuard guard(ring_lock_);
  name_ = vm_name;
  if (count_ == kLines) {
    __atomic_fetch_add(&dropped_, 1, __ATOMIC_RELAXED);
    return;
  }
  const u32 slot = (head_ + count_) % kLines;
  const usize n = text.size() < VmConsole::kLineLimit ? text.size() : VmConsole::kLineLimit;
  for (usize i = 0; i < n; ++i) text_[slot][i] = text[i];
  length_[slot] = static_cast<u16>(n);
  __atomic_store_n(&count_, count_ + 1, __ATOMIC_RELEASE);
}

u32 ConsoleQueue::drain_once(ConsoleLineWriter& out, bool wait) {
  u32 lines = 0;
  // Without `wait` at most one queue's worth: a sibling vCPU that floods as
  // fast as this one drains must not keep it from its guest for ever.
  for (;;) {
    if (!wait && lines == kLines) return lines;
    // Only the drainer removes lines, so the oldest one stays put while it
    // is written outside the ring's lock (the guest's side never waits for
    // the host console).
    char copy[VmConsole::kLineLimit];
    u16 length = 0;
    Str name;
    bool must_wait = wait;
    {
      LockGuard guard(ring_lock_);
      if (count_ == 0) return lines;
      // Half full: this line waits its turn at the console (a ticket lock:
      // behind at most one line of each other writer), so VMs that keep the
      // console busy cannot make a quiet VM lose lines; a VM that writes
      // faster than the console takes loses its own.
      must_wait = must_wait || count_ >= kLines / 2;
      length = length_[head_];
      for (u16 i = 0; i < length; ++i) copy[i] = text_[head_][i];
      name = name_;
    }
    if (!out.write_line(name, Str(copy, length), must_wait)) return lines;
    {
      LockGuard guard(ring_lock_);
      head_ = (head_ + 1) % kLines;
      __atomic_store_n(&count_, count_ - 1, __ATOMIC_RELEASE);
    }
    __atomic_fetch_add(&written_, 1, __ATOMIC_RELAXED);
    ++lines;
  }
}

u32 ConsoleQueue::drain(ConsoleLineWriter& out, bool wait) {
  if (wait) drainer_.lock();
  else if (!drainer_.try_lock()) return 0;  // another vCPU of the VM drains
  const u32 lines = drain_once(out, wait);
  drainer_.unlock();
  return lines;
}

}  // namespace nucleo

// SPDX-License-Identifier: MIT
// Ticket spinlock: FIFO order, so no core starves while others print or
// allocate. Pure (compiler builtins only), so host tests can exercise it.
#pragma once

#include "kernel/lib/types.hpp"

namespace nucleo {

class TicketLock {
 public:
  void lock() {
    const u32 ticket = __atomic_fetch_add(&next_, 1, __ATOMIC_RELAXED);
    while (__atomic_load_n(&serving_, __ATOMIC_ACQUIRE) != ticket) __builtin_ia32_pause();
  }
  // Takes the lock only if nobody holds or waits for it (a ticket is drawn
  // only when it would be served at once): for paths that must not wait.
  bool try_lock() {
    u32 free_ticket = __atomic_load_n(&serving_, __ATOMIC_ACQUIRE);
    return __atomic_compare_exchange_n(&next_, &free_ticket, free_ticket + 1, false, __ATOMIC_ACQUIRE,
                                       __ATOMIC_RELAXED);
  }
  void unlock() { __atomic_store_n(&serving_, serving_ + 1, __ATOMIC_RELEASE); }
  // For the fatal path only: the CPU that died may have held the lock.
  void force_release() { __atomic_store_n(&serving_, __atomic_load_n(&next_, __ATOMIC_RELAXED), __ATOMIC_RELEASE); }

 private:
  u32 next_ = 0;
  u32 serving_ = 0;
};

class LockGuard {
 public:
  explicit LockGuard(TicketLock& l) : lock_(l) { lock_.lock(); }
  ~LockGuard() { lock_.unlock(); }
  LockGuard(const LockGuard&) = delete;
  LockGuard& operator=(const LockGuard&) = delete;

 private:
  TicketLock& lock_;
};

}  // namespace nucleo

// SPDX-License-Identifier: MIT
// The port-I/O bus of a VM: device models register port ranges; the I/O
// exit handler routes each access here. Pure code. Unclaimed reads return
// all ones (as on a PC with nothing at the port) and unclaimed writes are
// dropped, both counted.
#pragma once

#include "kernel/lib/types.hpp"

namespace nucleo {

class IoDevice {
 public:
  // size is 1, 2 or 4. Return false to let the bus treat the port as empty.
  virtual bool io_in(u16 port, u8 size, u32& value) = 0;
  virtual bool io_out(u16 port, u8 size, u32 value) = 0;

 protected:
  ~IoDevice() = default;
};

class IoBus {
 public:
  static constexpr usize kMaxRanges = 24;

  // [first, last] inclusive; false when full or overlapping a range.
  bool attach(u16 first, u16 last, IoDevice& device);
  u32 in(u16 port, u8 size);
  void out(u16 port, u8 size, u32 value);

  u64 unclaimed_accesses() const { return unclaimed_; }
  // Runs f() under the bus's lock: device work outside a port access (a
  // timer's deadline, its poll) must not interleave with another vCPU's
  // access to the same device (issue 13, hole 6).
  template <typename F>
  decltype(auto) locked(F&& f) {
    Guard guard(lock_);
    return f();
  }
  // Detaches every device (a VM's restart attaches fresh ones).
  void clear() { count_ = 0; }

 private:
  struct Range {
    u16 first, last;
    IoDevice* device;
  };
  IoDevice* find(u16 port) const;
  // The VM's vCPUs run on several cores and share its devices: one access
  // at a time (a device model is a small state machine; accesses are short).
  class Guard {
   public:
    explicit Guard(u32& lock) : lock_(lock) {
      while (__atomic_exchange_n(&lock_, 1u, __ATOMIC_ACQUIRE) != 0)
        while (__atomic_load_n(&lock_, __ATOMIC_RELAXED) != 0) __builtin_ia32_pause();
    }
    ~Guard() { __atomic_store_n(&lock_, 0u, __ATOMIC_RELEASE); }
    Guard(const Guard&) = delete;

   private:
    u32& lock_;
  };
  u32 lock_ = 0;
  Range ranges_[kMaxRanges] = {};
  usize count_ = 0;
  u64 unclaimed_ = 0;
};

}  // namespace nucleo

// SPDX-License-Identifier: MIT
// The pages of a VM's RAM that live outside its contiguous host range since
// a page migration (NUCLEO_HC_MIGRATE_PAGE, vmx/hw/page_migration.cpp): the
// EPT sends the guest there, and this table sends the hypervisor's own
// accesses (Vm::guest_ram) to the same frame. A few pages at most; readers
// on other cores see an entry whole or not at all. Pure.
#pragma once

#include "guests/include/nucleo/hypercall.h"
#include "kernel/lib/types.hpp"

namespace nucleo {

class MovedPages {
 public:
  static constexpr u32 kMax = NUCLEO_HC_MIGRATE_MAX_PAGES;

  // The host address of the moved page at `page_gpa` (4-KiB aligned), or
  // nullptr when it lives in the VM's RAM range.
  u8* find(u64 page_gpa) const {
    const u32 n = __atomic_load_n(&count_, __ATOMIC_ACQUIRE);
    for (u32 i = 0; i < n; ++i)
      if (entries_[i].gpa == page_gpa) return __atomic_load_n(&entries_[i].host, __ATOMIC_ACQUIRE);
    return nullptr;
  }
  // A moved page in [first_page, last_page] (nullptr: none), for ranges.
  u8* find_between(u64 first_page, u64 last_page) const {
    const u32 n = __atomic_load_n(&count_, __ATOMIC_ACQUIRE);
    for (u32 i = 0; i < n; ++i)
      if (entries_[i].gpa >= first_page && entries_[i].gpa <= last_page)
        return __atomic_load_n(&entries_[i].host, __ATOMIC_ACQUIRE);
    return nullptr;
  }
  bool any() const { return __atomic_load_n(&count_, __ATOMIC_ACQUIRE) != 0; }
  // Whether a page not yet moved could be (room for one more entry).
  bool has_room() const { return count_ < kMax; }
  // The page at page_gpa is now at `host`; false (nothing changed) when it
  // is a new page and the table is full. One writer at a time (the caller
  // serialises migrations of a VM).
  bool set(u64 page_gpa, u8* host) {
    for (u32 i = 0; i < count_; ++i) {
      if (entries_[i].gpa != page_gpa) continue;
      __atomic_store_n(&entries_[i].host, host, __ATOMIC_RELEASE);
      return true;
    }
    if (count_ == kMax) return false;
    entries_[count_] = Entry{page_gpa, host};
    __atomic_store_n(&count_, count_ + 1, __ATOMIC_RELEASE);  // the entry first, then the count
    return true;
  }
  u32 count() const { return count_; }
  u64 gpa(u32 i) const { return entries_[i].gpa; }
  // Every page back in the RAM range (the VM is stopped: restart).
  void clear() { __atomic_store_n(&count_, 0u, __ATOMIC_RELEASE); }

 private:
  struct Entry {
    u64 gpa;
    u8* host;
  };
  Entry entries_[kMax] = {};
  u32 count_ = 0;
};

}  // namespace nucleo

// SPDX-License-Identifier: MIT
// A VM with 2 MiB of RAM to build guest page tables in, for the page-walk
// tests (host-tests/vmx/guest_paging*_test.cpp).
#pragma once

#include <cstring>
#include <vector>

#include "kernel/virt/guest_paging.hpp"

namespace nucleo::test {

struct PagingVm {
  std::vector<u8> ram = std::vector<u8>(2 * MiB, 0);
  Vm vm;
  PagingVm() {
    vm.ram = ram.data();
    vm.ram_size = ram.size();
  }
  void put32(u64 gpa, u32 v) { std::memcpy(ram.data() + gpa, &v, 4); }
  void put64(u64 gpa, u64 v) { std::memcpy(ram.data() + gpa, &v, 8); }
  Result<u64> walk(const GuestPagingState& s, u64 linear) const { return guest_linear_to_physical(vm, s, linear); }
};

}  // namespace nucleo::test

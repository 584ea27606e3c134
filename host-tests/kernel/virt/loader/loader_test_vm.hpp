// SPDX-License-Identifier: MIT
// Test support for the loader tests: a VM whose RAM is a host buffer
// (filled with 0xCC so untouched and zeroed bytes are told apart), typed
// reads at guest-physical addresses, and the refusal message as a string.
#pragma once

#include <cstring>
#include <string>
#include <vector>

#include "kernel/virt/loader/guest_load.hpp"
#include "kernel/virt/vm.hpp"

namespace nucleo::test {

constexpr u8 kUntouched = 0xCC;

struct LoaderVm {
  std::vector<u8> ram;
  Vm vm;
  explicit LoaderVm(u64 size = 16 * MiB) : ram(size, kUntouched) {
    vm.ram = ram.data();
    vm.ram_size = ram.size();
  }
  u8 u8_at(u64 gpa) const { return ram.at(gpa); }
  u32 u32_at(u64 gpa) const {
    u32 v = 0;
    for (int i = 3; i >= 0; --i) v = v << 8 | ram.at(gpa + static_cast<u64>(i));
    return v;
  }
  u64 u64_at(u64 gpa) const { return u64{u32_at(gpa)} | u64{u32_at(gpa + 4)} << 32; }
  std::string c_string_at(u64 gpa) const {
    std::string s;
    while (gpa < ram.size() && ram[gpa] != 0) s.push_back(static_cast<char>(ram[gpa++]));
    return s;
  }
  std::vector<u8> bytes_at(u64 gpa, usize n) const {
    return std::vector<u8>(ram.begin() + static_cast<std::ptrdiff_t>(gpa),
                           ram.begin() + static_cast<std::ptrdiff_t>(gpa + n));
  }
  bool all_untouched() const {
    for (u8 b : ram)
      if (b != kUntouched) return false;
    return true;
  }
};

inline std::string load_message(const Error& e, const loader::LoadDiagnostic& d) {
  char buf[256];
  BufferSink sink(buf, sizeof buf);
  loader::format_load_error(sink, e, d);
  return std::string(sink.view().data(), sink.view().size());
}

}  // namespace nucleo::test

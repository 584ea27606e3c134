// SPDX-License-Identifier: MIT
#include "kernel/virt/loader/module_placement.hpp"

namespace nucleo::loader {

Error place_modules(Span<const GuestModule> modules, u64 kernel_end, const GuestMemoryMap& map,
                    GuestRange (&out)[kMaxModules], LoadDiagnostic& diag) {
  if (modules.size() > kMaxModules) return make_error(Status::unsupported, "more than 8 modules");
  const u64 top = min(map.ram_size(), 4 * GiB);
  u64 cursor = align_up(max(kernel_end, kHighRamBase), kPageSize);  // kernel_end < 4 GiB: no wrap
  for (usize i = 0; i < modules.size(); ++i) {
    const u64 size = modules[i].bytes.size();
    if (cursor > top || size > top - cursor) {
      diag.item = "module";
      diag.index = static_cast<u32>(i);
      diag.has_range = true;
      diag.range = {cursor, cursor + size};
      return make_error(Status::out_of_memory, "module does not fit in guest RAM below 4 GiB above the kernel");
    }
    out[i] = {cursor, cursor + size};
    cursor = align_up(cursor + size, kPageSize);
  }
  return {};
}

void write_modules(Span<const GuestModule> modules, const GuestRange (&at)[kMaxModules], const Vm& vm) {
  for (usize i = 0; i < modules.size() && i < kMaxModules; ++i) {
    const Bytes src = modules[i].bytes;
    const Span<u8> dst = vm.guest_ram(at[i].begin, src.size());
    if (dst.size() == src.size() && !src.empty()) __builtin_memcpy(dst.data(), src.data(), src.size());
  }
}

}  // namespace nucleo::loader

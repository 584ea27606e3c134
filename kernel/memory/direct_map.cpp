// SPDX-License-Identifier: MIT
// 4-level paging, SDM Vol. 3A 5.5 (Table 5-15: PDPTE referencing a page
// directory; Table 5-17: PDE mapping a 2 MiB page).
#include "kernel/memory/direct_map.hpp"

extern "C" nucleo::u64 boot_pdpt_direct[512];  // boot/entry32.S, physical

namespace nucleo {

namespace {
constexpr u64 kPresent = 1, kWritable = 2, kLargePage = 0x80;
constinit u64 g_limit = kDirectMapBootLimit;
}  // namespace

u64 direct_map_limit() { return g_limit; }

Error extend_direct_map(u64 limit, FrameAllocator& frames) {
  limit = align_up(limit, GiB);
  if (limit > kDirectMapMax) return make_error(Status::unsupported, "RAM above 512 GiB is not direct-mapped yet", limit);
  u64* pdpt = phys_to_virt<u64>(reinterpret_cast<u64>(&boot_pdpt_direct[0]));
  for (u64 gib = g_limit / GiB; gib < limit / GiB; ++gib) {
    const Result<u64> pd_phys = frames.alloc();
    if (!pd_phys) return pd_phys.error();
    u64* pd = phys_to_virt<u64>(pd_phys.value());
    for (u64 i = 0; i < 512; ++i) pd[i] = (gib * GiB + i * 2 * MiB) | kPresent | kWritable | kLargePage;
    // Not-present entries are never cached (SDM Vol. 3A 5.10.2.3): no flush.
    pdpt[gib] = pd_phys.value() | kPresent | kWritable;
    g_limit = (gib + 1) * GiB;
  }
  return {};
}

}  // namespace nucleo

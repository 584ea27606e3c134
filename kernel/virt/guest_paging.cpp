// SPDX-License-Identifier: MIT
#include "kernel/virt/guest_paging.hpp"

#include "kernel/arch/x86_bits.hpp"

namespace nucleo {

namespace {

using namespace x86;
constexpr u64 kPresent = 1, kLarge = 1u << 7;
constexpr u64 kAddr52 = 0x000FFFFFFFFFF000;

bool read_entry(const Vm& vm, u64 gpa, usize size, u64& out) {
  const Span<u8> bytes = vm.guest_ram(gpa, size);
  if (bytes.empty()) return false;
  out = size == 8 ? load_le64(bytes.data()) : load_le32(bytes.data());
  return true;
}

Error not_present(u64 linear) { return make_error(Status::not_found, "guest page not present", linear); }
Error outside(u64 gpa) { return make_error(Status::invalid_argument, "guest page table outside the VM's RAM", gpa); }

}  // namespace

Result<u64> guest_linear_to_physical(const Vm& vm, const GuestPagingState& s, u64 linear) {
  if (!(s.cr0 & kCr0Pg)) return linear & 0xFFFFFFFF;

  if (s.efer & kEferLma) {  // 4- or 5-level (5.5)
    const int levels = (s.cr4 & kCr4La57) ? 5 : 4;
    u64 table = s.cr3 & kAddr52;
    for (int level = levels; level >= 1; --level) {
      const u32 shift = static_cast<u32>(12 + 9 * (level - 1));
      u64 entry;
      if (!read_entry(vm, table + ((linear >> shift) & 511) * 8, 8, entry)) return outside(table);
      if (!(entry & kPresent)) return not_present(linear);
      if (level <= 3 && level >= 2 && (entry & kLarge)) {  // 1 GiB or 2 MiB page
        const u64 page_mask = (u64{1} << shift) - 1;
        return (entry & kAddr52 & ~page_mask) | (linear & page_mask);
      }
      table = entry & kAddr52;
    }
    return table | (linear & 0xFFF);
  }

  if (s.cr4 & kCr4Pae) {  // PAE (5.4): 4 PDPTEs at CR3[31:5]
    u64 pdpte, pde, pte;
    const u64 pdpt = s.cr3 & 0xFFFFFFE0;
    if (!read_entry(vm, pdpt + ((linear >> 30) & 3) * 8, 8, pdpte)) return outside(pdpt);
    if (!(pdpte & kPresent)) return not_present(linear);
    if (!read_entry(vm, (pdpte & kAddr52) + ((linear >> 21) & 511) * 8, 8, pde)) return outside(pdpte);
    if (!(pde & kPresent)) return not_present(linear);
    if (pde & kLarge) return (pde & kAddr52 & ~u64{0x1FFFFF}) | (linear & 0x1FFFFF);
    if (!read_entry(vm, (pde & kAddr52) + ((linear >> 12) & 511) * 8, 8, pte)) return outside(pde);
    if (!(pte & kPresent)) return not_present(linear);
    return (pte & kAddr52) | (linear & 0xFFF);
  }

  // 32-bit paging (5.3).
  u64 pde, pte;
  const u64 pd = s.cr3 & 0xFFFFF000;
  if (!read_entry(vm, pd + ((linear >> 22) & 1023) * 4, 4, pde)) return outside(pd);
  if (!(pde & kPresent)) return not_present(linear);
  if ((pde & kLarge) && (s.cr4 & kCr4Pse))  // 4 MiB page; bits 20:13 are address bits 39:32 (PSE-36)
    return (pde & 0xFFC00000) | ((pde & 0x1FE000) << 19) | (linear & 0x3FFFFF);
  if (!read_entry(vm, (pde & 0xFFFFF000) + ((linear >> 12) & 1023) * 4, 4, pte)) return outside(pde);
  if (!(pte & kPresent)) return not_present(linear);
  return (pte & 0xFFFFF000) | (linear & 0xFFF);
}

}  // namespace nucleo

// SPDX-License-Identifier: MIT
#include "kernel/virt/guest_paging.hpp"

#include "kernel/arch/x86_bits.hpp"

namespace nucleo {

namespace {

using namespace x86;
constexpr u64 kPresent = 1, kWritable = 1u << 1, kUserPage = 1u << 2, kLarge = 1u << 7;
constexpr u64 kExecuteDisable = u64{1} << 63;
constexpr u64 kAddr52 = 0x000FFFFFFFFFF000;
constexpr u64 kCr4Smep = 1u << 20, kCr4Smap = 1u << 21;

bool read_entry(const Vm& vm, u64 gpa, usize size, u64& out) {
  const Span<u8> bytes = vm.guest_ram(gpa, size);
  if (bytes.empty()) return false;
  out = size == 8 ? load_le64(bytes.data()) : load_le32(bytes.data());
  return true;
}

// The rights of a walk so far: R/W and U/S are ANDed over the levels that
// have them, XD is ORed (SDM Vol. 3A 5.6).
struct Rights {
  bool writable = true, user = true, execute_disable = false;
  void add(u64 entry, bool has_xd) {
    writable = writable && (entry & kWritable);
    user = user && (entry & kUserPage);
    execute_disable = execute_disable || (has_xd && (entry & kExecuteDisable));
  }
};

class Walk {
 public:
  Walk(const GuestPagingState& s, GuestAccess a) : s_(s), a_(a) {}

  GuestTranslation outside(u64 table) const {
    GuestTranslation t;
    t.kind = GuestTranslation::Kind::outside_ram;
    t.table = table;
    t.why = "guest page table outside the VM's RAM";
    return t;
  }
  GuestTranslation fault(bool present, const char* why) const {
    GuestTranslation t;
    t.kind = GuestTranslation::Kind::page_fault;
    t.error_code = (present ? pf::kPresent : 0) | (a_.write ? pf::kWrite : 0) | (a_.user ? pf::kUser : 0);
    // I/D: a fetch, where execute-disable or SMEP can apply (5.7).
    const bool nx_paging = (s_.cr4 & kCr4Pae) && (s_.efer & kEferNxe);
    if (a_.fetch && (nx_paging || (s_.cr4 & kCr4Smep))) t.error_code |= pf::kFetch;
    t.why = why;
    return t;
  }
  GuestTranslation not_present() const { return fault(false, "guest page not present"); }
  // The access against the walk's rights, then the address (5.6).
  GuestTranslation finish(const Rights& r, u64 gpa) const {
    if (a_.user && !r.user) return fault(true, "a user-mode access to a supervisor page");
    if (a_.write && !r.writable && (a_.user || (s_.cr0 & kCr0Wp)))
      return fault(true, "a write to a read-only page");
    if (a_.fetch && r.execute_disable && (s_.efer & kEferNxe))
      return fault(true, "an instruction fetch from an execute-disable page");
    if (a_.fetch && !a_.user && r.user && (s_.cr4 & kCr4Smep))
      return fault(true, "a supervisor instruction fetch from a user page (SMEP)");
    if (!a_.fetch && !a_.user && r.user && (s_.cr4 & kCr4Smap) && !a_.ac)
      return fault(true, "a supervisor data access to a user page (SMAP)");
    GuestTranslation t;
    t.gpa = gpa;
    return t;
  }

 private:
  const GuestPagingState& s_;
  GuestAccess a_;
};

}  // namespace

GuestTranslation guest_translate(const Vm& vm, const GuestPagingState& s, u64 linear, GuestAccess access) {
  const Walk walk(s, access);
  Rights rights;
  if (!(s.cr0 & kCr0Pg)) {
    GuestTranslation t;
    t.gpa = linear & 0xFFFFFFFF;
    return t;
  }

  if (s.efer & kEferLma) {  // 4- or 5-level (5.5)
    const int levels = (s.cr4 & kCr4La57) ? 5 : 4;
    u64 table = s.cr3 & kAddr52;
    for (int level = levels; level >= 1; --level) {
      const u32 shift = static_cast<u32>(12 + 9 * (level - 1));
      u64 entry;
      if (!read_entry(vm, table + ((linear >> shift) & 511) * 8, 8, entry)) return walk.outside(table);
      if (!(entry & kPresent)) return walk.not_present();
      rights.add(entry, true);
      if (level <= 3 && level >= 2 && (entry & kLarge)) {  // 1 GiB or 2 MiB page
        const u64 page_mask = (u64{1} << shift) - 1;
        return walk.finish(rights, (entry & kAddr52 & ~page_mask) | (linear & page_mask));
      }
      table = entry & kAddr52;
    }
    return walk.finish(rights, table | (linear & 0xFFF));
  }

  if (s.cr4 & kCr4Pae) {  // PAE (5.4): 4 PDPTEs at CR3[31:5]; they have no R/W, U/S or XD
    u64 pdpte, pde, pte;
    const u64 pdpt = s.cr3 & 0xFFFFFFE0;
    if (!read_entry(vm, pdpt + ((linear >> 30) & 3) * 8, 8, pdpte)) return walk.outside(pdpt);
    if (!(pdpte & kPresent)) return walk.not_present();
    if (!read_entry(vm, (pdpte & kAddr52) + ((linear >> 21) & 511) * 8, 8, pde)) return walk.outside(pdpte & kAddr52);
    if (!(pde & kPresent)) return walk.not_present();
    rights.add(pde, true);
    if (pde & kLarge) return walk.finish(rights, (pde & kAddr52 & ~u64{0x1FFFFF}) | (linear & 0x1FFFFF));
    if (!read_entry(vm, (pde & kAddr52) + ((linear >> 12) & 511) * 8, 8, pte)) return walk.outside(pde & kAddr52);
    if (!(pte & kPresent)) return walk.not_present();
    rights.add(pte, true);
    return walk.finish(rights, (pte & kAddr52) | (linear & 0xFFF));
  }

  // 32-bit paging (5.3): no execute-disable.
  u64 pde, pte;
  const u64 pd = s.cr3 & 0xFFFFF000;
  if (!read_entry(vm, pd + ((linear >> 22) & 1023) * 4, 4, pde)) return walk.outside(pd);
  if (!(pde & kPresent)) return walk.not_present();
  rights.add(pde, false);
  if ((pde & kLarge) && (s.cr4 & kCr4Pse))  // 4 MiB page; bits 20:13 are address bits 39:32 (PSE-36)
    return walk.finish(rights, (pde & 0xFFC00000) | ((pde & 0x1FE000) << 19) | (linear & 0x3FFFFF));
  if (!read_entry(vm, (pde & 0xFFFFF000) + ((linear >> 12) & 1023) * 4, 4, pte)) return walk.outside(pde & 0xFFFFF000);
  if (!(pte & kPresent)) return walk.not_present();
  rights.add(pte, false);
  return walk.finish(rights, (pte & 0xFFFFF000) | (linear & 0xFFF));
}

Result<u64> guest_linear_to_physical(const Vm& vm, const GuestPagingState& s, u64 linear) {
  const GuestTranslation t = guest_translate(vm, s, linear, GuestAccess{});
  switch (t.kind) {
    case GuestTranslation::Kind::ok: return t.gpa;
    case GuestTranslation::Kind::page_fault: return make_error(Status::not_found, t.why, linear);
    case GuestTranslation::Kind::outside_ram: break;
  }
  return make_error(Status::invalid_argument, t.why, t.table);
}

}  // namespace nucleo

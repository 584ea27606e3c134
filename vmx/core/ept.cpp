// SPDX-License-Identifier: MIT
#include "vmx/core/ept.hpp"

namespace nucleo::vmx {

namespace {

// Which entry of a level-`level` table translates gpa (29.3.2: bits 47:39,
// 38:30, 29:21, 20:12 of the guest-physical address).
constexpr usize index_of(u64 gpa, u32 level) { return static_cast<usize>((gpa >> (12 + 9 * (level - 1))) & 511); }

constexpr bool valid_memtype(EptMemType t) {
  switch (t) {
    case EptMemType::uncacheable:
    case EptMemType::write_combining:
    case EptMemType::write_through:
    case EptMemType::write_protected:
    case EptMemType::write_back:
      return true;
  }
  return false;
}

// Bits of a leaf that define the mapping (A/D flags excluded: the CPU sets them).
constexpr u64 kLeafAttrMask = ept::kPermMask | (u64{7} << ept::kMemTypeShift) | ept::kIgnorePat;

constexpr Error kNoTable = make_error(Status::malformed, "EPT: the page source cannot reach a paging-structure page");

}  // namespace

Error Ept::init(EptPageSource& pages, u8 phys_addr_width) {
  if (phys_addr_width < 32 || phys_addr_width > 52)
    return make_error(Status::invalid_argument, "EPT: physical-address width must be 32..52", phys_addr_width);
  pages_ = &pages;
  phys_limit_ = u64{1} << phys_addr_width;
  addr_mask_ = (phys_limit_ - 1) & ~(kPageSize - 1);
  pages_allocated_ = 0;
  const Result<u64> pml4 = new_table();
  if (!pml4) {
    pages_ = nullptr;
    return pml4.error();
  }
  pml4_ = pml4.value();
  return {};
}

Result<u64> Ept::new_table() {
  const Result<u64> page = pages_->alloc_zeroed_page();
  if (!page) return page.error();
  if (!is_aligned(page.value(), kPageSize) || page.value() >= phys_limit_)
    return make_error(Status::malformed, "EPT: the page source returned a misaligned or out-of-range page",
                      page.value());
  if (pages_->table(page.value()) == nullptr) return kNoTable;
  ++pages_allocated_;
  return page.value();
}

Error Ept::map(u64 gpa, u64 hpa, u64 size, EptPerm perm, EptMemType type, bool allow_large_pages, bool allow_1g) {
  if (!initialized()) return make_error(Status::invalid_argument, "EPT: map before init");
  if (size == 0) return make_error(Status::invalid_argument, "EPT: empty range");
  if (!is_aligned(gpa, kPageSize)) return make_error(Status::invalid_argument, "EPT: gpa is not 4 KiB aligned", gpa);
  if (!is_aligned(hpa, kPageSize)) return make_error(Status::invalid_argument, "EPT: hpa is not 4 KiB aligned", hpa);
  if (!is_aligned(size, kPageSize))
    return make_error(Status::invalid_argument, "EPT: size is not a multiple of 4 KiB", size);
  if (gpa >= ept::kGuestPhysLimit || size > ept::kGuestPhysLimit - gpa)
    return make_error(Status::invalid_argument, "EPT: guest-physical range ends beyond 2^48 (4-level EPT)", gpa);
  NUCLEO_TRY(check_leaf(hpa, size, perm, type));
  const u64 perm_bits = static_cast<u8>(perm);
  const u64 leaf_bits = perm_bits | (u64{static_cast<u8>(type)} << ept::kMemTypeShift);
  const u64 delta = hpa - gpa;  // modulo 2^64: target of any gpa in range is gpa + delta
  const u32 max_leaf = allow_large_pages ? (allow_1g ? 3u : 2u) : 1u;
  // Check the whole range first so a refused map changes nothing.
  const Error conflict = check_range(pml4_, 4, gpa, gpa + size, delta, leaf_bits);
  if (!conflict.ok()) return conflict;
  return fill_range(pml4_, 4, gpa, gpa + size, delta, leaf_bits, max_leaf);
}

// The target range and the leaf's bits, as map() and remap_page() accept them.
Error Ept::check_leaf(u64 hpa, u64 size, EptPerm perm, EptMemType type) const {
  if (hpa >= phys_limit_ || size > phys_limit_ - hpa)
    return make_error(Status::invalid_argument, "EPT: host-physical range ends beyond the physical-address width", hpa);
  const u64 perm_bits = static_cast<u8>(perm);
  if (perm_bits == 0 || perm_bits > ept::kPermMask)
    return make_error(Status::invalid_argument, "EPT: a mapping needs read, write or execute permission", perm_bits);
  if ((perm_bits & ept::kWrite) && !(perm_bits & ept::kRead))
    return make_error(Status::invalid_argument, "EPT: write without read is an EPT misconfiguration", perm_bits);
  if (!valid_memtype(type))
    return make_error(Status::invalid_argument, "EPT: memory type must be UC(0), WC(1), WT(4), WP(5) or WB(6)",
                      static_cast<u8>(type));
  return {};
}

Error Ept::remap_page(u64 gpa, u64 hpa, EptPerm perm, EptMemType type, EptPageSource& split_pages) {
  if (!initialized()) return make_error(Status::invalid_argument, "EPT: remap before init");
  if (!is_aligned(gpa, kPageSize)) return make_error(Status::invalid_argument, "EPT: gpa is not 4 KiB aligned", gpa);
  if (!is_aligned(hpa, kPageSize)) return make_error(Status::invalid_argument, "EPT: hpa is not 4 KiB aligned", hpa);
  if (gpa >= ept::kGuestPhysLimit) return make_error(Status::invalid_argument, "EPT: gpa beyond 2^48", gpa);
  NUCLEO_TRY(check_leaf(hpa, kPageSize, perm, type));
  u64 table_phys = pml4_;
  for (u32 level = 4;; --level) {
    u64* table = pages_->table(table_phys);
    if (table == nullptr) return kNoTable;
    u64* entry = &table[index_of(gpa, level)];
    if ((*entry & ept::kPermMask) == 0) return make_error(Status::not_found, "EPT: remap of an unmapped page", gpa);
    if (level == 1) {
      __atomic_store_n(entry, hpa | static_cast<u8>(perm) | (u64{static_cast<u8>(type)} << ept::kMemTypeShift),
                       __ATOMIC_RELEASE);
      return {};
    }
    if (!is_leaf(*entry, level)) {
      table_phys = *entry & addr_mask_;
      continue;
    }
    const Result<u64> child = split(table_phys, index_of(gpa, level), level, split_pages);
    if (!child) return child.error();
    table_phys = child.value();
  }
}

// Replaces the large leaf at `index` of the level-`level` table (3: 1 GiB,
// 2: 2 MiB) by a table of 512 leaves of the level below covering the same
// span with the same attributes (A/D flags dropped: the CPU sets them
// again, 29.3.5); the new table's address.
Result<u64> Ept::split(u64 table_phys, usize index, u32 level, EptPageSource& split_pages) {
  const Result<u64> page = split_pages.alloc_zeroed_page();
  if (!page) return page.error();
  if (!is_aligned(page.value(), kPageSize) || page.value() >= phys_limit_)
    return make_error(Status::malformed, "EPT: the page source returned a misaligned or out-of-range page",
                      page.value());
  u64* child = split_pages.table(page.value());
  if (child == nullptr) return kNoTable;
  u64* table = pages_->table(table_phys);  // after the allocation: the source may move pages
  if (table == nullptr) return kNoTable;
  const u64 leaf = table[index];
  const u64 base = leaf & addr_mask_ & ~(ept::span(level) - 1);
  const u64 attrs = (leaf & kLeafAttrMask) | (level - 1 > 1 ? ept::kLargePage : 0);
  for (u64 i = 0; i < 512; ++i) child[i] = (base + i * ept::span(level - 1)) | attrs;
  ++pages_allocated_;
  __atomic_store_n(&table[index], page.value() | ept::kRead | ept::kWrite | ept::kExecute, __ATOMIC_RELEASE);
  return page.value();
}

Error Ept::check_range(u64 table_phys, u32 level, u64 gpa, u64 end, u64 delta, u64 leaf_bits) const {
  const u64 span = ept::span(level);
  for (u64 cur = gpa; cur < end;) {
    const u64 base = align_down(cur, span);
    const u64 next = min(base + span, end);
    const u64* table = pages_->table(table_phys);
    if (table == nullptr) return kNoTable;
    const u64 entry = table[index_of(cur, level)];
    if ((entry & ept::kPermMask) != 0) {
      if (is_leaf(entry, level)) {
        const u64 target = entry & addr_mask_ & ~(span - 1);
        if (target != base + delta)
          return make_error(Status::already_exists, "EPT: range overlaps a mapping to a different host address", cur);
        if ((entry & kLeafAttrMask) != leaf_bits)
          return make_error(Status::already_exists,
                            "EPT: range overlaps a mapping with different permissions or memory type", cur);
      } else {
        const Error e = check_range(entry & addr_mask_, level - 1, cur, next, delta, leaf_bits);
        if (!e.ok()) return e;
      }
    }
    cur = next;
  }
  return {};
}

Error Ept::fill_range(u64 table_phys, u32 level, u64 gpa, u64 end, u64 delta, u64 leaf_bits, u32 max_leaf) {
  const u64 span = ept::span(level);
  for (u64 cur = gpa; cur < end;) {
    const u64 base = align_down(cur, span);
    const u64 next = min(base + span, end);
    const usize index = index_of(cur, level);
    u64* table = pages_->table(table_phys);
    if (table == nullptr) return kNoTable;
    const u64 entry = table[index];
    const bool present = (entry & ept::kPermMask) != 0;
    const bool whole_entry = cur == base && next - base == span;
    if (present && is_leaf(entry, level)) {
      // A leaf here already maps this part consistently (check_range said so).
    } else if (!present && level <= max_leaf && whole_entry && is_aligned(cur + delta, span)) {
      table[index] = (cur + delta) | leaf_bits | (level > 1 ? ept::kLargePage : 0);
    } else {
      u64 child = entry & addr_mask_;
      if (!present) {
        const Result<u64> page = new_table();
        if (!page) return page.error();
        child = page.value();
        table = pages_->table(table_phys);  // the source may have moved its pages
        if (table == nullptr) return kNoTable;
        table[index] = child | ept::kRead | ept::kWrite | ept::kExecute;
      }
      const Error e = fill_range(child, level - 1, cur, next, delta, leaf_bits, max_leaf);
      if (!e.ok()) return e;
    }
    cur = next;
  }
  return {};
}

Ept::Walk Ept::translate(u64 gpa) const {
  Walk walk;
  if (!initialized() || gpa >= ept::kGuestPhysLimit) return walk;
  u64 table_phys = pml4_;
  for (u32 level = 4; level >= 1; --level) {
    const u64* table = pages_->table(table_phys);
    if (table == nullptr) return walk;
    const u64 entry = table[index_of(gpa, level)];
    if ((entry & ept::kPermMask) == 0) return walk;
    if (is_leaf(entry, level)) {
      const u64 span = ept::span(level);
      walk.mapped = true;
      walk.hpa = (entry & addr_mask_ & ~(span - 1)) | (gpa & (span - 1));
      walk.perm = static_cast<EptPerm>(entry & ept::kPermMask);
      walk.level = static_cast<u8>(level);
      walk.memtype = static_cast<u8>((entry >> ept::kMemTypeShift) & 7);
      return walk;
    }
    table_phys = entry & addr_mask_;
  }
  return walk;
}

u64 Ept::eptp(bool accessed_dirty, EptMemType walk_type) const {
  return pml4_ | ept::kEptpWalkLength4 | (accessed_dirty ? ept::kEptpAccessedDirty : 0) | static_cast<u8>(walk_type);
}

}  // namespace nucleo::vmx

// SPDX-License-Identifier: MIT
// A builder of 4-level extended page tables (SDM Vol. 3C 29.3.2, "EPT
// Translation Mechanism"; entry formats in Tables 29-1 to 29-6: PML4E, PDPTE
// mapping a 1-GByte page or referencing a page directory, PDE mapping a
// 2-MByte page or referencing a page table, PTE) and of the EPT pointer
// (25.6.11, Table 25-9). Paging-structure pages come from an EptPageSource,
// so the builder needs no heap: the kernel binds frames + the direct map,
// host tests a vector of pages.
//
// Entry bits written here:
//   all present entries   bit 0 R, bit 1 W, bit 2 X (non-leaf entries: RWX,
//                         so the leaf alone decides the permissions)
//   leaves                bits 5:3 EPT memory type, bit 6 ignore PAT (left
//                         0: the guest's PAT still combines, 29.3.7.2),
//                         bit 7 = 1 for a 1-GByte PDPTE or a 2-MByte PDE
//   all                   bits N-1:12 physical address (N = the physical-
//                         address width given to init())
//
// Memory types (SDM Vol. 3A 13.3, "Methods of Caching Available"): RAM is
// mapped write-back (WB = 6), MMIO uncacheable (UC = 0).
#pragma once

#include "kernel/lib/result.hpp"

namespace nucleo::vmx {

enum class EptMemType : u8 {
  uncacheable = 0,      // UC: MMIO
  write_combining = 1,  // WC: frame buffers
  write_through = 4,    // WT
  write_protected = 5,  // WP
  write_back = 6,       // WB: RAM
};

// Access rights of a mapping (bits 2:0 of an EPT entry). Write without read
// is an EPT misconfiguration (29.3.3.1) and is refused; execute-only needs
// IA32_VMX_EPT_VPID_CAP bit 0, which the caller checks.
enum class EptPerm : u8 { none = 0, read = 1, write = 2, execute = 4, rw = 3, rx = 5, rwx = 7 };
constexpr EptPerm operator|(EptPerm a, EptPerm b) {
  return static_cast<EptPerm>(static_cast<u8>(a) | static_cast<u8>(b));
}
constexpr bool has_perm(EptPerm p, EptPerm wanted) {
  return (static_cast<u8>(p) & static_cast<u8>(wanted)) == static_cast<u8>(wanted);
}

// Where paging-structure pages come from. table() may be called again after
// any alloc_zeroed_page(), so a source may move its pages (the builder never
// keeps a table pointer across an allocation).
class EptPageSource {
 public:
  // The physical address of a zeroed, 4 KiB-aligned page, or an error
  // (Status::out_of_memory) when none is left.
  virtual Result<u64> alloc_zeroed_page() = 0;
  // The 512 entries of the page at `phys` (a page this source returned), or
  // nullptr when it cannot reach it.
  virtual u64* table(u64 phys) = 0;

 protected:
  ~EptPageSource() = default;
};

namespace ept {
constexpr u64 kRead = 1u << 0;
constexpr u64 kWrite = 1u << 1;
constexpr u64 kExecute = 1u << 2;
constexpr u64 kPermMask = 7;
constexpr u32 kMemTypeShift = 3;     // bits 5:3 of a leaf
constexpr u64 kIgnorePat = 1u << 6;  // bit 6 of a leaf
constexpr u64 kLargePage = 1u << 7;  // bit 7 of a PDPTE (1 GiB) or PDE (2 MiB)
constexpr u64 kAccessed = 1u << 8;   // set by the CPU when A/D flags are enabled
constexpr u64 kDirty = 1u << 9;
constexpr u64 kGuestPhysLimit = u64{1} << 48;  // 4-level EPT translates 48-bit addresses
// EPTP (Table 25-9): bits 2:0 memory type of the paging structures, bits 5:3
// page-walk length minus 1, bit 6 enables accessed/dirty flags, bits N-1:12
// the physical address of the PML4 table.
constexpr u64 kEptpWalkLength4 = u64{3} << 3;
constexpr u64 kEptpAccessedDirty = u64{1} << 6;
constexpr u64 span(u32 level) { return u64{1} << (12 + 9 * (level - 1)); }  // 1: 4 KiB ... 4: 512 GiB
}  // namespace ept

class Ept {
 public:
  // Allocates the PML4 table. `phys_addr_width` (CPUID.80000008H:EAX[7:0],
  // 32..52) bounds host-physical addresses and the address fields.
  Error init(EptPageSource& pages, u8 phys_addr_width = 48);

  // Maps [gpa, gpa + size) to [hpa, hpa + size). All three must be 4 KiB
  // aligned; gpa + size <= 2^48 and hpa + size <= 2^width. 1 GiB leaves are
  // used where allow_large_pages && allow_1g and the range and alignment of
  // both addresses allow, 2 MiB leaves where allow_large_pages, 4 KiB leaves
  // otherwise. Mapping a range again with the same target, permissions and
  // memory type is a no-op; any other overlap with an existing mapping is
  // refused (Status::already_exists, offset = the first conflicting gpa)
  // before anything changes. Running out of pages (the source's error) may
  // leave a prefix of the range mapped; the tables stay consistent.
  Error map(u64 gpa, u64 hpa, u64 size, EptPerm perm, EptMemType type, bool allow_large_pages, bool allow_1g);

  // Points the 4-KiB page at gpa, which must be mapped already (else
  // Status::not_found), at hpa with `perm` and `type`: a run-time change of
  // a running VM's EPT (page migration). A 1-GiB or 2-MiB leaf over gpa is
  // first split into a table of 512 leaves of the next size with the same
  // translations and attributes; the new table is filled before the one
  // 64-bit store that links it, and the 4-KiB entry changes with one 64-bit
  // store, so a processor walking the EPT at the same time finds the old or
  // the new translation, never a mix (SDM Vol. 3C 29.3.2). A split changes
  // no translation and needs no invalidation; the remap does: the caller
  // runs INVEPT for eptp() on every core that may cache it (29.4.3.1).
  // Split tables come from `split_pages` (pages the source given to init()
  // must reach as well): the kernel passes a reserve made when the VM was
  // built, since nothing allocates frames on a running VM's core. When it
  // runs out (its error), the translations are as they were.
  Error remap_page(u64 gpa, u64 hpa, EptPerm perm, EptMemType type, EptPageSource& split_pages);

  // The leaf that maps gpa, as the CPU would find it. level: 1 = 4 KiB PTE,
  // 2 = 2 MiB PDE, 3 = 1 GiB PDPTE (0 when not mapped).
  struct Walk {
    bool mapped = false;
    u64 hpa = 0;
    EptPerm perm = EptPerm::none;
    u8 level = 0;
    u8 memtype = 0;
  };
  Walk translate(u64 gpa) const;

  // The VM-execution control field "EPT pointer": a 4-level walk, write-back
  // paging structures (the CPU must report WB in IA32_VMX_EPT_VPID_CAP bit
  // 14; otherwise pass uncacheable), A/D flags when asked (bit 21 there).
  u64 eptp(bool accessed_dirty = false, EptMemType walk_type = EptMemType::write_back) const;

  bool initialized() const { return pages_ != nullptr; }
  u64 pml4_phys() const { return pml4_; }
  u64 pages_allocated() const { return pages_allocated_; }

 private:
  Result<u64> new_table();
  Error check_leaf(u64 hpa, u64 size, EptPerm perm, EptMemType type) const;
  Result<u64> split(u64 table_phys, usize index, u32 level, EptPageSource& split_pages);
  Error check_range(u64 table_phys, u32 level, u64 gpa, u64 end, u64 delta, u64 leaf_bits) const;
  Error fill_range(u64 table_phys, u32 level, u64 gpa, u64 end, u64 delta, u64 leaf_bits, u32 max_leaf);
  bool is_leaf(u64 entry, u32 level) const { return level == 1 || (level <= 3 && (entry & ept::kLargePage)); }

  EptPageSource* pages_ = nullptr;
  u64 pml4_ = 0;
  u64 addr_mask_ = 0;  // bits N-1:12
  u64 phys_limit_ = 0;
  u64 pages_allocated_ = 0;
};

static_assert(ept::span(1) == 4 * KiB && ept::span(2) == 2 * MiB && ept::span(3) == GiB);
static_assert(ept::span(4) == 512 * GiB);

}  // namespace nucleo::vmx

// SPDX-License-Identifier: MIT
#include "kernel/virt/loader/load_plan.hpp"

namespace nucleo::loader {

namespace {

constexpr u64 k4GiB = 4 * GiB;

Error refuse(LoadDiagnostic& diag, const LoadSegment& s, Status status, const char* what) {
  diag.item = "segment";
  diag.index = s.index;
  diag.has_range = true;
  diag.range = {s.paddr, s.paddr + s.mem_size};
  return make_error(status, what);
}

bool overlaps(u64 a_begin, u64 a_end, u64 b_begin, u64 b_end) { return a_begin < b_end && b_begin < a_end; }

}  // namespace

Error plan_elf(const ElfImage& elf, LoadPlan& plan, LoadDiagnostic& diag, bool translate_entry) {
  plan = LoadPlan{};
  bool entry_found = false;
  for (usize i = 0; i < elf.segment_count; ++i) {
    const ElfSegment& e = elf.segments[i];
    plan.segments[plan.count++] = {e.index, e.paddr, e.file_offset, e.file_size, e.mem_size};
    if (!entry_found && e.vaddr <= elf.entry && elf.entry - e.vaddr < e.mem_size) {
      plan.entry = elf.entry - e.vaddr + e.paddr;
      entry_found = true;
    }
  }
  if (translate_entry && !entry_found) {
    diag.has_range = true;
    diag.range = {elf.entry, elf.entry + 1};
    return make_error(Status::malformed, "entry point is not inside a loaded segment");
  }
  return {};
}

Error plan_raw(Bytes image, const AddressFields& f, LoadPlan& plan, LoadDiagnostic& diag) {
  plan = LoadPlan{};
  diag.item = "";
  if (f.load_addr > f.header_addr) return make_error(Status::malformed, "load_addr is above header_addr");
  const u64 lead = f.header_addr - f.load_addr;  // bytes loaded before the header
  if (lead > f.header_offset) return make_error(Status::malformed, "load_addr lies before the start of the image");
  LoadSegment s;
  s.paddr = f.load_addr;
  s.file_offset = f.header_offset - lead;
  const u64 available = image.size() - s.file_offset;  // header_offset < image.size()
  if (f.load_end_addr == 0) {
    s.file_size = available;
  } else {
    if (f.load_end_addr < f.load_addr) return make_error(Status::malformed, "load_end_addr is below load_addr");
    s.file_size = f.load_end_addr - f.load_addr;
    if (s.file_size > available) return make_error(Status::truncated, "image ends before load_end_addr");
  }
  s.mem_size = s.file_size;
  if (f.bss_end_addr != 0) {
    if (f.bss_end_addr < s.paddr + s.file_size)
      return make_error(Status::malformed, "bss_end_addr is below the end of the loaded data");
    s.mem_size = f.bss_end_addr - s.paddr;
  }
  if (s.mem_size == 0) return make_error(Status::malformed, "address fields load nothing");
  plan.segments[plan.count++] = s;
  return {};
}

Error check_plan(const LoadPlan& plan, const GuestMemoryMap& map, LoadDiagnostic& diag) {
  if (plan.count == 0) return make_error(Status::malformed, "image loads nothing");
  for (usize i = 0; i < plan.count; ++i) {
    const LoadSegment& s = plan.segments[i];
    // The segment parsers rule out a 64-bit wrap; the guest starts with 32-bit addressing.
    if (s.paddr >= k4GiB || s.mem_size > k4GiB - s.paddr)
      return refuse(diag, s, Status::unsupported, "segment extends beyond 4 GiB");
    if (s.end() > map.ram_size())
      return refuse(diag, s, Status::out_of_memory, "segment extends past the end of guest RAM");
    if (GuestMemoryMap::touches_legacy_hole(s.paddr, s.end()))
      return refuse(diag, s, Status::malformed, "segment lies in the legacy hole");
    if (overlaps(s.paddr, s.end(), kBootInfoBase, kBootInfoEnd))
      return refuse(diag, s, Status::malformed, "segment overlaps the boot information area");
    if (!map.is_usable(s.paddr, s.end())) return refuse(diag, s, Status::malformed, "segment is not in usable RAM");
    for (usize j = 0; j < i; ++j)
      if (overlaps(s.paddr, s.end(), plan.segments[j].paddr, plan.segments[j].end()))
        return refuse(diag, s, Status::malformed, "segment overlaps an earlier segment");
  }
  for (usize i = 0; i < plan.count; ++i)
    if (plan.segments[i].paddr <= plan.entry && plan.entry < plan.segments[i].end()) return {};
  diag.item = "";
  diag.has_range = true;
  diag.range = {plan.entry, plan.entry + 1};
  return make_error(Status::malformed, "entry point is not inside a loaded segment");
}

GuestRange plan_extent(const LoadPlan& plan) {
  if (plan.count == 0) return {};
  GuestRange r{plan.segments[0].paddr, plan.segments[0].end()};
  for (usize i = 1; i < plan.count; ++i) {
    r.begin = min(r.begin, plan.segments[i].paddr);
    r.end = max(r.end, plan.segments[i].end());
  }
  return r;
}

void write_plan(const LoadPlan& plan, Bytes image, const Vm& vm) {
  for (usize i = 0; i < plan.count; ++i) {
    const LoadSegment& s = plan.segments[i];
    const Span<u8> dst = vm.guest_ram(s.paddr, s.mem_size);
    if (dst.size() != s.mem_size || !image.contains_range(s.file_offset, s.file_size)) continue;  // not checked: never
    const usize file = static_cast<usize>(s.file_size);
    if (file != 0) __builtin_memcpy(dst.data(), image.data() + s.file_offset, file);
    if (dst.size() > file) __builtin_memset(dst.data() + file, 0, dst.size() - file);
  }
}

}  // namespace nucleo::loader

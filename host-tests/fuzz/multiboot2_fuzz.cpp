// SPDX-License-Identifier: MIT
// libFuzzer target: arbitrary bytes as Multiboot2 boot information. Every
// view the parser returns is read in full (so ASan catches a bad one) and
// must lie inside the input; the parsed memory map then goes through the
// pure memory code, whose answers are checked against the map.
#include "kernel/acpi/tables.hpp"
#include "kernel/boot_info/multiboot2.hpp"
#include "kernel/memory/phys_layout.hpp"

#include "host-tests/fuzz/fuzz_check.hpp"

namespace {

using namespace nucleo;

const u8* g_begin;
const u8* g_end;

volatile u8 g_sink;

void touch(const u8* p, usize n) {
  if (n == 0) return;
  NUCLEO_FUZZ_CHECK(p >= g_begin && p + n <= g_end);  // views point into the blob
  u8 x = 0;
  for (usize i = 0; i < n; ++i) x = static_cast<u8>(x ^ p[i]);
  g_sink = x;
}
void touch(Str s) { touch(reinterpret_cast<const u8*>(s.data()), s.size()); }
void touch(Bytes b) { touch(b.data(), b.size()); }

bool available_covers(const mb2::BootInfo& info, u64 base, u64 end) {
  for (usize i = 0; i < info.region_count; ++i) {
    const mb2::MemoryRegion& r = info.regions[i];
    if (r.is(mb2::MemoryType::available) && r.base <= base && end <= r.end()) return true;
  }
  return false;
}

void check_memory_code(const mb2::BootInfo& info) {
  const MemorySummary s = summarize(info);
  u64 highest = 0;
  for (usize i = 0; i < info.region_count; ++i)
    if (info.regions[i].is(mb2::MemoryType::available)) highest = max(highest, info.regions[i].end());
  NUCLEO_FUZZ_CHECK(s.highest_usable_end == highest);

  // find_free_range: the answer lies in one available region, inside the bounds, avoiding everything.
  const PhysRange avoid[] = {{0, 1 * MiB}, {info.load_base, u64{info.load_base} + 0x20000}};
  const u64 bytes = 0x3000;
  const Result<u64> r = find_free_range(info, Span<const PhysRange>(avoid, 2), bytes, 1 * MiB, 4 * GiB);
  if (r.ok()) {
    const u64 a = r.value();
    NUCLEO_FUZZ_CHECK(a % kPageSize == 0 && a >= 1 * MiB && a + bytes <= 4 * GiB && a + bytes > a);
    NUCLEO_FUZZ_CHECK(available_covers(info, a, a + bytes));
    for (const PhysRange& x : avoid) NUCLEO_FUZZ_CHECK(!x.overlaps(a, a + bytes));
  }

  // populate_frames over the first 4 MiB: a free frame is inside available RAM and outside any other region.
  static u64 bitmap[FrameAllocator::bitmap_words_for(4 * MiB)];
  FrameAllocator frames;
  frames.init(Span<u64>(bitmap, sizeof bitmap / sizeof bitmap[0]), 4 * MiB);
  const PhysRange reserved[] = {{0, 0x1000}};
  populate_frames(frames, info, Span<const PhysRange>(reserved, 1));
  u64 free_count = 0;
  for (u64 f = 0; f < frames.frame_count(); ++f) {
    const u64 a = f * kPageSize;
    if (!frames.is_free(a)) continue;
    ++free_count;
    NUCLEO_FUZZ_CHECK(a >= 0x1000 && available_covers(info, a, a + kPageSize));
    for (usize i = 0; i < info.region_count; ++i) {
      const mb2::MemoryRegion& reg = info.regions[i];
      if (!reg.is(mb2::MemoryType::available)) NUCLEO_FUZZ_CHECK(!(reg.base < a + kPageSize && a < reg.end()));
    }
  }
  NUCLEO_FUZZ_CHECK(free_count == frames.free_frames());
  const Result<u64> one = frames.alloc();
  NUCLEO_FUZZ_CHECK(one.ok() == (free_count > 0));
  if (one.ok()) NUCLEO_FUZZ_CHECK(frames.free(one.value()).ok() && frames.free_frames() == free_count);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const u8* data, usize size) {
  static mb2::BootInfo info;  // ~5 KiB: static rather than on the fuzzer's stack
  g_begin = data;
  g_end = data + size;

  // Misaligned: always refused, whatever the bytes.
  NUCLEO_FUZZ_CHECK(mb2::parse(Bytes(data, size), 4, info).status == Status::malformed);

  const Error e = mb2::parse(Bytes(data, size), 0, info);
  NUCLEO_FUZZ_CHECK(e.ok() || (e.what != nullptr && e.what[0] != '\0' && e.offset <= size));
  if (e.ok()) NUCLEO_FUZZ_CHECK(info.total_size >= 16 && info.total_size <= size);

  touch(info.cmdline);
  touch(info.boot_loader_name);
  NUCLEO_FUZZ_CHECK(info.region_count <= mb2::BootInfo::kMaxRegions);
  for (usize i = 0; i < info.region_count; ++i) {
    NUCLEO_FUZZ_CHECK(info.regions[i].length != 0 && info.regions[i].end() > info.regions[i].base);
    g_sink = static_cast<u8>(mb2::memory_type_name(info.regions[i].type)[0]);
  }
  NUCLEO_FUZZ_CHECK(info.module_count <= mb2::BootInfo::kMaxModules);
  for (usize i = 0; i < info.module_count; ++i) {
    NUCLEO_FUZZ_CHECK(info.modules[i].start <= info.modules[i].end);
    touch(info.modules[i].cmdline);
  }
  touch(info.acpi_rsdp_v1);
  touch(info.acpi_rsdp_v2);
  touch(info.efi_mmap);
  NUCLEO_FUZZ_CHECK(info.acpi_rsdp_v1.empty() || info.acpi_rsdp_v1.size() >= 20);
  NUCLEO_FUZZ_CHECK(info.acpi_rsdp_v2.empty() || info.acpi_rsdp_v2.size() >= 36);
  (void)acpi::parse_rsdp(info.acpi_rsdp_v1);
  (void)acpi::parse_rsdp(info.acpi_rsdp_v2);
  g_sink = static_cast<u8>(info.framebuffer.bpp ^ info.framebuffer.type ^ info.booted_by_efi());

  if (e.ok()) check_memory_code(info);
  return 0;
}

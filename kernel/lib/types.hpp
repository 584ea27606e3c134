// SPDX-License-Identifier: MIT
// Fixed-width integer names. The kernel has no C++ standard library (the
// target x86_64-unknown-none-elf ships none), so pure code shared with the
// host tests uses only clang's freestanding C headers and these names.
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace nucleo {

using u8 = uint8_t;
using u16 = uint16_t;
using u32 = uint32_t;
using u64 = uint64_t;
using i8 = int8_t;
using i16 = int16_t;
using i32 = int32_t;
using i64 = int64_t;
using usize = size_t;
using uptr = uintptr_t;

constexpr u64 KiB = 1024;
constexpr u64 MiB = 1024 * KiB;
constexpr u64 GiB = 1024 * MiB;
constexpr u64 kPageSize = 4096;

constexpr u64 align_down(u64 v, u64 a) { return v & ~(a - 1); }
constexpr u64 align_up(u64 v, u64 a) { return (v + a - 1) & ~(a - 1); }
constexpr bool is_aligned(u64 v, u64 a) { return (v & (a - 1)) == 0; }

template <typename T> constexpr T min(T a, T b) { return a < b ? a : b; }
template <typename T> constexpr T max(T a, T b) { return a < b ? b : a; }

// Unaligned little-endian loads from untrusted byte buffers (boot info, ACPI
// tables): byte by byte, so no misaligned access and no strict-aliasing cast.
constexpr u16 load_le16(const u8* p) { return static_cast<u16>(p[0] | (p[1] << 8)); }
constexpr u32 load_le32(const u8* p) {
  return static_cast<u32>(p[0]) | static_cast<u32>(p[1]) << 8 | static_cast<u32>(p[2]) << 16 |
         static_cast<u32>(p[3]) << 24;
}
constexpr u64 load_le64(const u8* p) {
  return static_cast<u64>(load_le32(p)) | static_cast<u64>(load_le32(p + 4)) << 32;
}

}  // namespace nucleo

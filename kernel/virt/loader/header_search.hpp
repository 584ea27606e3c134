// SPDX-License-Identifier: MIT
// Finding a Multiboot header in an OS image: a magic word at an aligned
// offset near the start whose first `words` 32-bit words sum to zero
// (Multiboot 0.6.96 3.1.1: 4-aligned in the first 8192 bytes; Multiboot2 2.0
// 3.1.1: 8-aligned in the first 32768 bytes). When none is found, the
// search says why: a valid header too far in or misaligned, a magic with a
// bad checksum, or nothing at all. Pure.
#pragma once

#include "kernel/lib/result.hpp"
#include "kernel/lib/span.hpp"

namespace nucleo::loader {

struct HeaderSpec {
  u32 magic = 0;
  usize words = 0;  // words covered by the checksum (magic included)
  usize limit = 0;  // the header must start within the first `limit` bytes
  usize align = 0;
  const char* beyond_limit = "";  // static messages naming the protocol's limits
  const char* misaligned = "";
};

// The file offset of the header. Error.offset: where a rejected candidate was.
Result<usize> find_header(Bytes image, const HeaderSpec& spec);

}  // namespace nucleo::loader

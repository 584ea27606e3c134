// SPDX-License-Identifier: MIT
#include "kernel/virt/loader/header_search.hpp"

namespace nucleo::loader {

namespace {

bool magic_at(Bytes image, usize off, const HeaderSpec& spec) {
  return image.contains_range(off, 4) && load_le32(image.data() + off) == spec.magic;
}

bool checksum_ok(Bytes image, usize off, const HeaderSpec& spec) {
  if (!image.contains_range(off, 4 * spec.words)) return false;
  u32 sum = 0;
  for (usize i = 0; i < spec.words; ++i) sum += load_le32(image.data() + off + 4 * i);
  return sum == 0;
}

}  // namespace

Result<usize> find_header(Bytes image, const HeaderSpec& spec) {
  const usize window = min(image.size(), spec.limit);
  const usize size = 4 * spec.words;
  for (usize off = 0; off + size <= window; off += spec.align)
    if (magic_at(image, off, spec) && checksum_ok(image, off, spec)) return off;

  // Nothing valid where the protocol looks: find the closest miss.
  for (usize off = 0; off + 4 <= image.size(); ++off) {
    if (!magic_at(image, off, spec) || !checksum_ok(image, off, spec)) continue;
    if (off + size > spec.limit) return make_error(Status::malformed, spec.beyond_limit, off);
    if (off % spec.align != 0) return make_error(Status::malformed, spec.misaligned, off);
  }
  for (usize off = 0; off + 4 <= window; off += spec.align) {
    if (!magic_at(image, off, spec)) continue;
    if (!image.contains_range(off, size)) return make_error(Status::truncated, "image ends inside the header", off);
    return make_error(Status::malformed, "header checksum is wrong", off);
  }
  return make_error(Status::not_found, "no header found (wrong magic)");
}

}  // namespace nucleo::loader

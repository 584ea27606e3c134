// SPDX-License-Identifier: MIT
// Test support: small guest-kernel images built in memory. ElfBuilder makes
// ELF32/ELF64 executables (file header, program headers, an optional
// Multiboot header right after them, segment data); mb1_header and
// Mb2HeaderBuilder make Multiboot1/Multiboot2 headers with correct
// checksums; RawImage lays a header and code out for the a.out kludge and
// the Multiboot2 address tag. Every field can be set to a wrong value.
#pragma once

#include <algorithm>
#include <cstddef>
#include <vector>

#include "kernel/lib/span.hpp"

namespace nucleo::test {

using ImageBytes = std::vector<u8>;

inline void store_le(ImageBytes& v, usize at, u64 x, usize width) {
  if (v.size() < at + width) v.resize(at + width, 0);
  for (usize i = 0; i < width; ++i) v[at + i] = i < 8 ? static_cast<u8>(x >> (8 * i)) : 0;
}
inline void append_le(ImageBytes& v, u64 x, usize width) { store_le(v, v.size(), x, width); }
inline Bytes image_view(const ImageBytes& v) { return Bytes(v.data(), v.size()); }

// Bytes 0, 1, 2, ... (mod 251, so no page-sized period hides a misplaced copy).
inline ImageBytes pattern(usize n, u8 seed = 1) {
  ImageBytes v(n);
  for (usize i = 0; i < n; ++i) v[i] = static_cast<u8>((i + seed) % 251 + 1);
  return v;
}

class ElfBuilder {
 public:
  struct Segment {
    u32 type = 1;  // PT_LOAD
    u64 vaddr = 0, paddr = 0;
    ImageBytes data;
    u64 memsz = 0;
    // Overrides for broken images (used when set).
    bool raw_offset = false;
    u64 offset = 0;
    bool raw_filesz = false;
    u64 filesz = 0;
  };

  explicit ElfBuilder(bool is64) : is64_(is64), machine_(is64 ? 62 : 3) {}

  ElfBuilder& entry(u64 e) {
    entry_ = e;
    return *this;
  }
  ElfBuilder& machine(u16 m) {
    machine_ = m;
    return *this;
  }
  ElfBuilder& type(u16 t) {
    type_ = t;
    return *this;
  }
  // Loaded at paddr (= vaddr unless given), memsz >= data.size() (bss).
  ElfBuilder& segment(u64 paddr, ImageBytes data, u64 memsz = 0, u64 vaddr = ~u64{0}) {
    Segment s;
    s.paddr = paddr;
    s.vaddr = vaddr == ~u64{0} ? paddr : vaddr;
    s.memsz = memsz ? memsz : data.size();
    s.data = std::move(data);
    segments_.push_back(std::move(s));
    return *this;
  }
  ElfBuilder& add(Segment s) {
    segments_.push_back(std::move(s));
    return *this;
  }
  Segment& last() { return segments_.back(); }
  // A Multiboot header placed right after the program headers, 8-aligned.
  ElfBuilder& multiboot_header(ImageBytes h) {
    header_ = std::move(h);
    return *this;
  }

  usize header_offset() const { return align8(ehsize() + phentsize() * segments_.size()); }

  ImageBytes build() const {
    ImageBytes v;
    const usize phoff = ehsize();
    usize data_at = header_offset() + header_.size();
    data_at = (data_at + 15) & ~usize{15};
    // e_ident
    v = {0x7F, 'E', 'L', 'F', static_cast<u8>(is64_ ? 2 : 1), 1, 1};
    v.resize(16, 0);
    append_le(v, type_, 2);
    append_le(v, machine_, 2);
    append_le(v, 1, 4);
    append_le(v, entry_, is64_ ? 8 : 4);
    append_le(v, phoff, is64_ ? 8 : 4);
    append_le(v, 0, is64_ ? 8 : 4);  // e_shoff
    append_le(v, 0, 4);              // e_flags
    append_le(v, ehsize(), 2);
    append_le(v, phentsize(), 2);
    append_le(v, segments_.size(), 2);
    append_le(v, 0, 6);  // e_shentsize, e_shnum, e_shstrndx
    std::vector<usize> offsets;
    for (const Segment& s : segments_) {
      offsets.push_back(data_at);
      data_at = (data_at + s.data.size() + 15) & ~usize{15};
    }
    for (usize i = 0; i < segments_.size(); ++i) {
      const Segment& s = segments_[i];
      const u64 off = s.raw_offset ? s.offset : offsets[i];
      const u64 filesz = s.raw_filesz ? s.filesz : s.data.size();
      if (is64_) {
        append_le(v, s.type, 4);
        append_le(v, 7, 4);  // p_flags RWX
        append_le(v, off, 8);
        append_le(v, s.vaddr, 8);
        append_le(v, s.paddr, 8);
        append_le(v, filesz, 8);
        append_le(v, s.memsz, 8);
        append_le(v, 0x1000, 8);
      } else {
        append_le(v, s.type, 4);
        append_le(v, off, 4);
        append_le(v, s.vaddr, 4);
        append_le(v, s.paddr, 4);
        append_le(v, filesz, 4);
        append_le(v, s.memsz, 4);
        append_le(v, 7, 4);
        append_le(v, 0x1000, 4);
      }
    }
    v.resize(header_offset(), 0);
    v.insert(v.end(), header_.begin(), header_.end());
    for (usize i = 0; i < segments_.size(); ++i) {
      if (segments_[i].data.empty()) continue;
      if (v.size() < offsets[i]) v.resize(offsets[i], 0);
      v.insert(v.end(), segments_[i].data.begin(), segments_[i].data.end());
    }
    return v;
  }

 private:
  static usize align8(usize x) { return (x + 7) & ~usize{7}; }
  usize ehsize() const { return is64_ ? 64 : 52; }
  usize phentsize() const { return is64_ ? 56 : 32; }

  bool is64_;
  u16 machine_;
  u16 type_ = 2;  // ET_EXEC
  u64 entry_ = 0;
  std::vector<Segment> segments_;
  ImageBytes header_;
};

// Multiboot1 header (0.6.96 3.1.2): magic, flags, checksum, and with
// flag 16 the address fields; checksum_delta breaks the checksum.
struct Mb1Kludge {
  u32 header_addr, load_addr, load_end_addr, bss_end_addr, entry_addr;
};
inline ImageBytes mb1_header(u32 flags, const Mb1Kludge* k = nullptr, u32 checksum_delta = 0) {
  ImageBytes v;
  append_le(v, 0x1BADB002, 4);
  append_le(v, flags, 4);
  append_le(v, static_cast<u32>(0u - 0x1BADB002u - flags + checksum_delta), 4);
  if (k != nullptr) {
    for (u32 x : {k->header_addr, k->load_addr, k->load_end_addr, k->bss_end_addr, k->entry_addr}) append_le(v, x, 4);
    append_le(v, 0, 16);  // mode_type, width, height, depth
  }
  return v;
}

// Multiboot2 header (2.0 3.1): the fixed part, then tags, then an end tag.
class Mb2HeaderBuilder {
 public:
  static constexpr u16 kOptional = 1;

  Mb2HeaderBuilder& architecture(u32 a) {
    arch_ = a;
    return *this;
  }
  Mb2HeaderBuilder& checksum_delta(u32 d) {
    delta_ = d;
    return *this;
  }
  Mb2HeaderBuilder& length_delta(i32 d) {
    length_delta_ = d;
    return *this;
  }
  Mb2HeaderBuilder& no_end_tag() {
    end_ = false;
    return *this;
  }

  Mb2HeaderBuilder& tag(u16 type, u16 flags, const std::vector<u32>& words) {
    append_le(tags_, type, 2);
    append_le(tags_, flags, 2);
    append_le(tags_, 8 + 4 * words.size(), 4);
    for (u32 w : words) append_le(tags_, w, 4);
    while (tags_.size() % 8) tags_.push_back(0);
    return *this;
  }
  Mb2HeaderBuilder& raw_tag(u16 type, u16 flags, u32 size) {
    append_le(tags_, type, 2);
    append_le(tags_, flags, 2);
    append_le(tags_, size, 4);
    return *this;
  }
  Mb2HeaderBuilder& info_request(const std::vector<u32>& types, bool optional = false) {
    return tag(1, optional ? kOptional : 0, types);
  }
  Mb2HeaderBuilder& address(u32 header_addr, u32 load_addr, u32 load_end_addr, u32 bss_end_addr) {
    return tag(2, 0, {header_addr, load_addr, load_end_addr, bss_end_addr});
  }
  Mb2HeaderBuilder& entry(u32 addr) { return tag(3, 0, {addr}); }

  ImageBytes build() const {
    ImageBytes v;
    ImageBytes tags = tags_;
    if (end_) {
      append_le(tags, 0, 2);
      append_le(tags, 0, 2);
      append_le(tags, 8, 4);
    }
    const u32 length = static_cast<u32>(static_cast<i64>(16 + tags.size()) + length_delta_);
    append_le(v, 0xE85250D6, 4);
    append_le(v, arch_, 4);
    append_le(v, length, 4);
    append_le(v, static_cast<u32>(0u - 0xE85250D6u - arch_ - length + delta_), 4);
    v.insert(v.end(), tags.begin(), tags.end());
    return v;
  }

 private:
  u32 arch_ = 0;
  u32 delta_ = 0;
  i32 length_delta_ = 0;
  bool end_ = true;
  ImageBytes tags_;
};

// A raw (non-ELF) image: `header` at file offset header_at, code elsewhere,
// zero padding between; the whole file is what the loader sees.
inline ImageBytes raw_image(usize header_at, const ImageBytes& header, usize code_at, const ImageBytes& code) {
  ImageBytes v(std::max(header_at + header.size(), code_at + code.size()), 0);
  std::copy(header.begin(), header.end(), v.begin() + static_cast<std::ptrdiff_t>(header_at));
  std::copy(code.begin(), code.end(), v.begin() + static_cast<std::ptrdiff_t>(code_at));
  return v;
}

}  // namespace nucleo::test

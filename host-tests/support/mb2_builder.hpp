// SPDX-License-Identifier: MIT
// Test support: builds Multiboot2 boot-information blobs tag by tag, so tests
// can describe well-formed and deliberately broken inputs in a few lines.
#pragma once

#include "kernel/boot_info/multiboot2.hpp"

#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

namespace nucleo::test {

inline void put_le32(std::vector<u8>& v, u32 x) {
  for (int i = 0; i < 4; ++i) v.push_back(static_cast<u8>(x >> (8 * i)));
}
inline void put_le64(std::vector<u8>& v, u64 x) {
  for (int i = 0; i < 8; ++i) v.push_back(static_cast<u8>(x >> (8 * i)));
}
inline void store_le32(std::vector<u8>& v, usize at, u32 x) {
  for (usize i = 0; i < 4; ++i) v.at(at + i) = static_cast<u8>(x >> (8 * i));
}

inline Bytes bytes_of(const std::vector<u8>& v) { return Bytes(v.data(), v.size()); }

inline std::string str(Str s) { return std::string(s.data(), s.size()); }

inline std::vector<u8> read_file(const std::string& path) {
  std::vector<u8> out;
  if (FILE* f = std::fopen(path.c_str(), "rb")) {
    u8 buf[4096];
    for (usize n; (n = std::fread(buf, 1, sizeof buf, f)) > 0;) out.insert(out.end(), buf, buf + n);
    std::fclose(f);
  }
  return out;
}

class Mb2Builder {
 public:
  Mb2Builder() { bytes_.resize(8); }  // total_size, reserved: patched by build()

  // Offset at which the next tag will start.
  usize offset() const { return bytes_.size(); }

  // A tag whose size field is `declared` (normally 8 + body size), padded to 8.
  Mb2Builder& raw_tag(u32 type, u32 declared, const std::vector<u8>& body) {
    put_le32(bytes_, type);
    put_le32(bytes_, declared);
    bytes_.insert(bytes_.end(), body.begin(), body.end());
    while (bytes_.size() % 8 != 0) bytes_.push_back(0);
    return *this;
  }
  Mb2Builder& tag(u32 type, const std::vector<u8>& body) {
    return raw_tag(type, static_cast<u32>(8 + body.size()), body);
  }
  Mb2Builder& tag(mb2::TagType type, const std::vector<u8>& body) { return tag(static_cast<u32>(type), body); }

  Mb2Builder& string_tag(mb2::TagType type, const std::string& s) {
    std::vector<u8> body(s.begin(), s.end());
    body.push_back(0);
    return tag(type, body);
  }
  Mb2Builder& cmdline(const std::string& s) { return string_tag(mb2::TagType::cmdline, s); }

  struct Entry {
    u64 base;
    u64 length;
    u32 type;
  };
  // Memory map with entries of entry_size bytes (24 in every known loader).
  Mb2Builder& mmap(const std::vector<Entry>& entries, u32 entry_size = 24) {
    std::vector<u8> body;
    put_le32(body, entry_size);
    put_le32(body, 0);
    for (const Entry& e : entries) {
      const usize start = body.size();
      put_le64(body, e.base);
      put_le64(body, e.length);
      put_le32(body, e.type);
      body.resize(start + entry_size, 0);
    }
    return tag(mb2::TagType::mmap, body);
  }

  Mb2Builder& module(u32 start, u32 end, const std::string& cmd) {
    std::vector<u8> body;
    put_le32(body, start);
    put_le32(body, end);
    body.insert(body.end(), cmd.begin(), cmd.end());
    body.push_back(0);
    return tag(mb2::TagType::module, body);
  }

  Mb2Builder& end() { return raw_tag(0, 8, {}); }

  // The blob with total_size = its length (or `total` when given).
  std::vector<u8> build(u32 total = 0) const {
    std::vector<u8> out = bytes_;
    store_le32(out, 0, total ? total : static_cast<u32>(out.size()));
    return out;
  }

 private:
  std::vector<u8> bytes_;
};

}  // namespace nucleo::test

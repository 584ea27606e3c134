// SPDX-License-Identifier: MIT
// An IoDevice that records every access and answers reads from a script
// (a queue of values, then a fixed value), or declines the port when told.
// io_qual()/string_info() build the I/O exit qualification (SDM Vol. 3C
// Table 28-5) and the INS/OUTS instruction information (28.2.5).
#pragma once

#include <deque>
#include <vector>

#include "kernel/virt/io_bus.hpp"
#include "vmx/core/exit_info.hpp"

namespace nucleo::test {

class IoRecorder final : public IoDevice {
 public:
  struct Access {
    bool in;
    u16 port;
    u8 size;
    u32 value;
    bool operator==(const Access&) const = default;
  };

  bool io_in(u16 port, u8 size, u32& value) override {
    if (decline) return false;
    if (!reads.empty()) {
      value = reads.front();
      reads.pop_front();
    } else {
      value = read_value;
    }
    log.push_back({true, port, size, value});
    return true;
  }
  bool io_out(u16 port, u8 size, u32 value) override {
    if (decline) return false;
    log.push_back({false, port, size, value});
    return true;
  }

  std::vector<u32> out_values() const {
    std::vector<u32> v;
    for (const Access& a : log)
      if (!a.in) v.push_back(a.value);
    return v;
  }

  std::deque<u32> reads;
  u32 read_value = 0;
  bool decline = false;
  std::vector<Access> log;
};

enum class Dir : u8 { out = 0, in = 1 };

constexpr u64 io_qual(u16 port, u8 size, Dir dir, bool string = false, bool rep = false, bool imm = false) {
  const u64 size_code = size == 4 ? 3 : size == 2 ? 1 : 0;
  return size_code | (u64{static_cast<u8>(dir)} << 3) | (u64{string} << 4) | (u64{rep} << 5) | (u64{imm} << 6) |
         (u64{port} << 16);
}

// Address size in bytes (2, 4, 8) and the segment of an OUTS override.
constexpr u32 string_info(u8 address_bytes, vmx::SegmentReg seg = vmx::SegmentReg::ds) {
  const u32 code = address_bytes == 8 ? 2 : address_bytes == 4 ? 1 : 0;
  return (code << 7) | (static_cast<u32>(seg) << 15);
}

}  // namespace nucleo::test

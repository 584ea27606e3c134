// SPDX-License-Identifier: MIT
// Decoding the 0F 0A opcode map of the extended instructions (isa_table.hpp)
// from the bytes at the guest's CS:RIP. The decoder accepts only what a
// processor with the proposals would: optional REX (64-bit mode only) then
// 0F 0A op ModRM with ModRM.mod = 11b. A byte string that is not in the map
// is `not_extension` (the #UD belongs to the guest); one that is in the map
// but malformed (prefixes, memory operand) is `invalid` (#UD as well, but it
// is counted against the proposal). Pure.
#pragma once

#include "kernel/lib/span.hpp"
#include "vmx/ext/isa_table.hpp"

namespace nucleo::vmx::ext {

enum class CodeMode : u8 { real, protected16, protected32, long64 };

struct Decoded {
  enum class Status : u8 { ok, not_extension, invalid, truncated };
  Status status = Status::not_extension;
  const Proposal* proposal = nullptr;  // set when the opcode byte names one
  u8 reg = 0;                          // ModRM.reg (+ REX.R): first operand
  u8 rm = 0;                           // ModRM.rm (+ REX.B): second operand
  bool rex_w = false;
  u8 length = 0;         // bytes, for ok
  const char* why = "";  // for invalid
};

// `code`: the bytes fetched at CS:RIP (fewer than 15 when the fetch stopped
// at the end of guest RAM).
Decoded decode(Span<const u8> code, CodeMode mode);

}  // namespace nucleo::vmx::ext

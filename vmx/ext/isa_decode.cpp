// SPDX-License-Identifier: MIT
// Instruction format: SDM Vol. 2A chapter 2 (prefixes 2.1.1, REX 2.2.1,
// ModRM 2.1.5); 0F 0A is the escape of the new map (isa_table.hpp).
#include "vmx/ext/isa_decode.hpp"

namespace nucleo::vmx::ext {

namespace {

bool is_legacy_prefix(u8 b) {
  switch (b) {
    case 0xF0:
    case 0xF2:
    case 0xF3:  // group 1
    case 0x2E:
    case 0x36:
    case 0x3E:
    case 0x26:
    case 0x64:
    case 0x65:  // group 2
    case 0x66:
    case 0x67:  // groups 3 and 4
      return true;
    default:
      return false;
  }
}

}  // namespace

Decoded decode(Span<const u8> code, CodeMode mode) {
  Decoded d;
  usize at = 0;
  bool prefixed = false;
  // Legacy prefixes may precede the escape; a processor with the proposals
  // defines none for the map, so they make it #UD, but the bytes still name
  // the instruction that was meant.
  while (at < code.size() && at < 14 && is_legacy_prefix(code[at])) {
    prefixed = true;
    ++at;
  }
  u8 rex = 0;
  if (mode == CodeMode::long64 && at < code.size() && (code[at] & 0xF0) == 0x40) rex = code[at++];
  if (at + 2 > code.size()) {  // the fetch stopped inside what may be the escape
    if (at + 1 == code.size() && code[at] == kEscape0) d.status = Decoded::Status::truncated;
    return d;
  }
  if (code[at] != kEscape0 || code[at + 1] != kEscape1) return d;  // not_extension
  at += 2;
  if (at + 2 > code.size()) {
    d.status = Decoded::Status::truncated;
    return d;
  }
  d.proposal = by_opcode(code[at]);
  const u8 modrm = code[at + 1];
  at += 2;
  d.status = Decoded::Status::invalid;
  if (!d.proposal) {
    d.why = "no proposal has this opcode in the 0F 0A map";
    return d;
  }
  if (mode == CodeMode::real) {
    d.why = "not in real-address mode";
    return d;
  }
  if (prefixed) {
    d.why = "a legacy prefix before the 0F 0A map";
    return d;
  }
  if ((modrm >> 6) != 3) {
    d.why = "a memory operand (ModRM.mod != 11b)";
    return d;
  }
  d.status = Decoded::Status::ok;
  d.reg = static_cast<u8>(((modrm >> 3) & 7) | ((rex >> 2) & 1) << 3);
  d.rm = static_cast<u8>((modrm & 7) | (rex & 1) << 3);
  d.rex_w = (rex >> 3) & 1;
  d.length = static_cast<u8>(at);
  d.why = "";
  return d;
}

}  // namespace nucleo::vmx::ext

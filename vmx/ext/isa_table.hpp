// SPDX-License-Identifier: MIT
// The extended-instructions laboratory: one declarative table of proposed
// ISA additions for multi-core virtualization (docs/isa/README.md). Each
// entry says what the proposal is (a new guest instruction, a new root-mode
// instruction, or a new VMX feature that changes what an existing exit
// does), how it is encoded, what it does and how it faults, what VMX gains,
// which software path it replaces, and what it would cost in hardware. The
// decoder, the CPUID discovery leaf, the configuration names, the guest
// header (guests/include/nucleo/isa.h), the docs pages (docs/isa/) and the
// benchmark's rows all come from this table, so adding a proposal is one
// entry, one emulation function and one workload.
//
// Guest instructions live in one new opcode map, 0F 0A (undefined on every
// x86 processor: it raises #UD, which host-tests/vmx/ext checks with Zydis
// as the oracle), like the 0F 38 and 0F 3A maps: 0F 0A op ModRM, register
// operands only (ModRM.mod = 11b). Pure: compiled into the kernel and the
// host tests.
#pragma once

#include "kernel/lib/str.hpp"
#include "kernel/lib/types.hpp"

namespace nucleo::vmx::ext {

enum class Kind : u8 {
  guest_instruction,  // a guest executes it; it reaches nucleo as a #UD exit
  root_instruction,   // the hypervisor executes it; its own #UD handler emulates it
  vmx_feature,        // invisible to the guest: an exit that would not happen
};
const char* kind_name(Kind k);

// The bit of each proposal in a VM's `extensions` mask and in CPUID
// 0x40000002 EAX: never renumber, only append (it is ABI).
enum class Id : u8 { vipi, ipiv, vtlbi, pintr, vhlt, vnotify, binvept, count };
constexpr u32 bit(Id id) { return u32{1} << static_cast<u32>(id); }
constexpr u32 kIdCount = static_cast<u32>(Id::count);
constexpr u32 kAllIds = (u32{1} << kIdCount) - 1;

// What the hardware would do for one execution (or one avoided exit), in
// named units. calibration() turns them into instruction equivalents, the
// unit every Bochs figure is quoted in (docs/isa/README.md, "Cost model").
struct CostModel {
  u16 microcode_steps = 0;        // sequenced internal operations (decode, checks, table walks)
  u16 memory_accesses = 0;        // loads/stores that hit the local cache hierarchy
  u16 line_transfers = 0;         // cache lines moved between cores (coherence misses)
  u16 interconnect_messages = 0;  // inter-core messages (an IPI-class notification, an ack)
};
struct Calibration {  // instruction equivalents per unit
  u32 microcode_step, memory_access, line_transfer, interconnect_message;
};
constexpr Calibration kCalibration{1, 4, 100, 500};
constexpr u64 instruction_equivalents(const CostModel& c, const Calibration& k = kCalibration) {
  return u64{c.microcode_steps} * k.microcode_step + u64{c.memory_accesses} * k.memory_access +
         u64{c.line_transfers} * k.line_transfer + u64{c.interconnect_messages} * k.interconnect_message;
}

struct Proposal {
  Id id;
  const char* name;      // configuration and docs name ("vipi"): docs/isa/<name>.md
  const char* mnemonic;  // "VIPI"
  Kind kind;
  const char* title;
  u8 opcode;                  // instructions (guest and root): the byte after 0F 0A; 0 otherwise
  const char* operands;       // Intel syntax, ModRM.reg first ("r32, r32")
  const char* operand_roles;  // what each operand means
  const char* operation;      // SDM-style pseudo-code
  const char* faults;         // exceptions, one per line
  const char* flags;          // "Flags affected"; nullptr: none. Set: the guest macro returns ZF
  const char* vmx_changes;    // VMCS fields / controls / exit behaviour it adds
  const char* replaces;       // the software path it replaces (the baseline)
  const char* workload;       // which isa_lab workload measures it
  CostModel cost;             // per execution (instructions) or per avoided exit (features)
  CostModel per_target;       // added per other vCPU the operation reaches (broadcasts)
  const char* cost_basis;     // why those units
};

extern const Proposal kProposals[kIdCount];

constexpr u8 kEscape0 = 0x0F, kEscape1 = 0x0A;  // the opcode map

inline const Proposal& proposal(Id id) { return kProposals[static_cast<u32>(id)]; }
// By the byte after 0F 0A; nullptr: no instruction (guest or root) there.
const Proposal* by_opcode(u8 opcode);
// By configuration name; nullptr: unknown.
const Proposal* by_name(Str name);
// What a VM may list in `extensions` (and see in CPUID 0x40000002 EAX):
// guest instructions and VMX features; root-mode instructions are the
// hypervisor's own and never a VM's.
constexpr bool per_vm(Kind k) { return k != Kind::root_instruction; }
constexpr bool has_opcode(Kind k) { return k != Kind::vmx_feature; }
// "vipi, ipiv, vtlbi, pintr, vhlt, vnotify": for the parser's error message.
const char* all_names();

}  // namespace nucleo::vmx::ext

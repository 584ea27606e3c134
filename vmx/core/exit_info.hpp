// SPDX-License-Identifier: MIT
// VM-exit information, decoded once into value types over the raw field:
// exit qualifications (SDM Vol. 3C 28.2.1, Tables 28-3, 28-5, 28-7), the
// interruption-information fields (25.8.3 Table 25-17 for VM entry, 25.9.2
// Table 25-19 for VM exit, 25.9.3 Table 25-20 for IDT vectoring) and the
// VM-exit instruction-information field (28.2.5). Every accessor is constexpr
// and reads only the bits its table defines.
#pragma once

#include "kernel/lib/types.hpp"

namespace nucleo::vmx {

// General-purpose register numbers as exit qualifications and instruction
// information encode them (Table 28-3 bits 11:8 and 28.2.5): 0 = RAX ... 15 = R15.
enum class Gpr : u8 { rax, rcx, rdx, rbx, rsp, rbp, rsi, rdi, r8, r9, r10, r11, r12, r13, r14, r15 };
const char* gpr_name(u8 number);  // "rax".."r15", "?" above 15

// ---- Control-register accesses: Table 28-3 ---------------------------------

enum class CrAccessType : u8 { mov_to_cr = 0, mov_from_cr = 1, clts = 2, lmsw = 3 };
enum class LmswOperand : u8 { register_operand = 0, memory_operand = 1 };

struct CrAccessQual {
  u64 raw = 0;
  constexpr CrAccessQual() = default;
  constexpr explicit CrAccessQual(u64 value) : raw(value) {}

  constexpr u8 cr() const { return static_cast<u8>(raw & 0xF); }  // bits 3:0 (0 for CLTS/LMSW)
  constexpr CrAccessType access_type() const { return static_cast<CrAccessType>((raw >> 4) & 3); }  // 5:4
  constexpr LmswOperand lmsw_operand() const { return static_cast<LmswOperand>((raw >> 6) & 1); }   // 6
  constexpr u8 gpr() const { return static_cast<u8>((raw >> 8) & 0xF); }                            // 11:8, MOV CR only
  constexpr u16 lmsw_source() const { return static_cast<u16>((raw >> 16) & 0xFFFF); }              // 31:16, LMSW only
};

// ---- I/O instructions: Table 28-5 ------------------------------------------

enum class IoDirection : u8 { out = 0, in = 1 };

struct IoQual {
  u64 raw = 0;
  constexpr IoQual() = default;
  constexpr explicit IoQual(u64 value) : raw(value) {}

  // Bits 2:0 encode the size: 0 = 1 byte, 1 = 2 bytes, 3 = 4 bytes. Other
  // encodings are not used; size() returns 0 for them.
  constexpr u8 size() const {
    switch (raw & 7) {
      case 0:
        return 1;
      case 1:
        return 2;
      case 3:
        return 4;
      default:
        return 0;
    }
  }
  constexpr IoDirection direction() const { return static_cast<IoDirection>((raw >> 3) & 1); }  // bit 3
  constexpr bool is_in() const { return direction() == IoDirection::in; }
  constexpr bool string() const { return (raw >> 4) & 1; }                       // bit 4: INS/OUTS
  constexpr bool rep() const { return (raw >> 5) & 1; }                          // bit 5: REP prefix
  constexpr bool immediate() const { return (raw >> 6) & 1; }                    // bit 6: 1 = imm8 port, 0 = DX
  constexpr u16 port() const { return static_cast<u16>((raw >> 16) & 0xFFFF); }  // bits 31:16
};

// ---- EPT violations: Table 28-7 --------------------------------------------

struct EptViolationQual {
  u64 raw = 0;
  constexpr EptViolationQual() = default;
  constexpr explicit EptViolationQual(u64 value) : raw(value) {}

  // The access that faulted (bits 2:0; more than one may be set).
  constexpr bool read() const { return raw & 1; }
  constexpr bool write() const { return (raw >> 1) & 1; }
  constexpr bool fetch() const { return (raw >> 2) & 1; }
  // What the EPT entries allowed (bits 5:3: the AND of bits 0, 1, 2 of every
  // entry on the walk; all 0 means the translation was not present).
  constexpr bool readable() const { return (raw >> 3) & 1; }
  constexpr bool writable() const { return (raw >> 4) & 1; }
  constexpr bool executable() const { return (raw >> 5) & 1; }       // supervisor-mode with MBEC
  constexpr bool user_executable() const { return (raw >> 6) & 1; }  // only with MBEC
  constexpr u8 allowed_rwx() const { return static_cast<u8>((raw >> 3) & 7); }
  constexpr bool present() const { return allowed_rwx() != 0; }
  // Bit 7: the guest-linear-address field is valid. Bit 8 (meaningful only
  // then): 1 = the access was to the translation of that linear address,
  // 0 = to a guest paging-structure entry while translating it.
  constexpr bool linear_address_valid() const { return (raw >> 7) & 1; }
  constexpr bool caused_by_translation() const { return linear_address_valid() && ((raw >> 8) & 1); }
  constexpr bool caused_by_paging_structure() const { return linear_address_valid() && !((raw >> 8) & 1); }
  // Bits 11:9: guest paging attributes, with "advanced VM-exit information
  // for EPT violations" (IA32_VMX_EPT_VPID_CAP bit 22) and a translation.
  constexpr bool user_mode_address() const { return (raw >> 9) & 1; }
  constexpr bool guest_page_writable() const { return (raw >> 10) & 1; }
  constexpr bool guest_page_nx() const { return (raw >> 11) & 1; }
  constexpr bool nmi_unblocking() const { return (raw >> 12) & 1; }  // bit 12: NMI unblocking due to IRET
  constexpr bool shadow_stack_access() const { return (raw >> 13) & 1; }
  constexpr bool supervisor_shadow_stack() const { return (raw >> 14) & 1; }
  constexpr bool guest_paging_verification() const { return (raw >> 15) & 1; }
  constexpr bool asynchronous() const { return (raw >> 16) & 1; }  // asynchronous to instruction execution
};

// ---- Interruption information: Tables 25-17, 25-19, 25-20 ------------------

// Bits 10:8. Type 1 is reserved. Software interrupts (4) appear only in the
// VM-entry and IDT-vectoring fields, other events (7) only in VM entry.
enum class InterruptionType : u8 {
  external_interrupt = 0,
  reserved = 1,
  nmi = 2,
  hardware_exception = 3,
  software_interrupt = 4,             // INT n
  privileged_software_exception = 5,  // INT1 (ICEBP)
  software_exception = 6,             // INT3 (#BP), INTO (#OF)
  other_event = 7,                    // vector 0 = pending MTF VM exit
};
const char* interruption_type_name(InterruptionType type);

// Exception vectors (SDM Vol. 3A 6.3.1, Table 6-1) the VMM injects by name.
namespace vec {
constexpr u8 kDe = 0, kDb = 1, kNmi = 2, kBp = 3, kOf = 4, kBr = 5, kUd = 6, kNm = 7, kDf = 8;
constexpr u8 kTs = 10, kNp = 11, kSs = 12, kGp = 13, kPf = 14, kMf = 16, kAc = 17, kMc = 18;
constexpr u8 kXm = 19, kVe = 20, kCp = 21;
}  // namespace vec

// Hardware exceptions that push an error code in protected mode; exactly
// these may (and must) set deliver-error-code on injection (27.2.1.3).
constexpr bool exception_has_error_code(u8 v) {
  return v == vec::kDf || (v >= vec::kTs && v <= vec::kPf) || v == vec::kAc || v == vec::kCp;
}

// Guest interruptibility state (SDM Vol. 3C 25.4.2, Table 25-3).
constexpr u32 kBlockingBySti = 1u << 0;
constexpr u32 kBlockingByMovSs = 1u << 1;
constexpr u32 kBlockingBySmi = 1u << 2;
constexpr u32 kBlockingByNmi = 1u << 3;

struct InterruptionInfo {
  u32 raw = 0;
  constexpr InterruptionInfo() = default;
  constexpr explicit InterruptionInfo(u32 value) : raw(value) {}

  constexpr u8 vector() const { return static_cast<u8>(raw & 0xFF); }                                // bits 7:0
  constexpr InterruptionType type() const { return static_cast<InterruptionType>((raw >> 8) & 7); }  // 10:8
  constexpr bool error_code_valid() const { return (raw >> 11) & 1; }  // 11: deliver / error code valid
  constexpr bool nmi_unblocking() const { return (raw >> 12) & 1; }    // 12: exit field only (Table 25-19)
  constexpr bool valid() const { return (raw >> 31) & 1; }             // 31

  static constexpr u32 kValid = 1u << 31;
  static constexpr u32 kErrorCode = 1u << 11;

  // Builders of the VM-entry interruption-information field (Table 25-17).
  static constexpr InterruptionInfo make(u8 v, InterruptionType t, bool error_code) {
    return InterruptionInfo(kValid | (error_code ? kErrorCode : 0u) | (static_cast<u32>(t) << 8) | v);
  }
  static constexpr InterruptionInfo external_interrupt(u8 v) {
    return make(v, InterruptionType::external_interrupt, false);
  }
  static constexpr InterruptionInfo nmi() { return make(vec::kNmi, InterruptionType::nmi, false); }
  static constexpr InterruptionInfo hardware_exception(u8 v, bool has_error_code) {
    return make(v, InterruptionType::hardware_exception, has_error_code);
  }
  static constexpr InterruptionInfo software_interrupt(u8 v) {
    return make(v, InterruptionType::software_interrupt, false);
  }
  static constexpr InterruptionInfo privileged_software_exception() {
    return make(vec::kDb, InterruptionType::privileged_software_exception, false);
  }
  static constexpr InterruptionInfo software_exception(u8 v) {  // #BP or #OF
    return make(v, InterruptionType::software_exception, false);
  }
  static constexpr InterruptionInfo pending_mtf() { return make(0, InterruptionType::other_event, false); }

  // Why VM entry would refuse this as an injected event (27.2.1.3, checks on
  // VM-entry control fields), or nullptr if the format is acceptable.
  // `protected_mode` is "unrestricted guest is 0 or guest CR0.PE is 1": only
  // then do exceptions deliver error codes.
  const char* injection_problem(bool protected_mode = true) const;
};

// ---- VM-exit instruction information: 28.2.5 -------------------------------

// One value type for the two forms nucleo decodes: INS/OUTS ("Format of the
// VM-Exit Instruction-Information Field as Used for INS and OUTS") and the VMX
// instructions (the tables "as Used for VMCLEAR, VMPTRLD, VMPTRST, VMXON,
// XRSTORS, and XSAVES", "... for INVEPT, INVPCID, and INVVPID" and "... for
// VMREAD and VMWRITE"). Bits a form leaves undefined must not be read.
enum class SegmentReg : u8 { es = 0, cs = 1, ss = 2, ds = 3, fs = 4, gs = 5 };

struct ExitInstructionInfo {
  u32 raw = 0;
  constexpr ExitInstructionInfo() = default;
  constexpr explicit ExitInstructionInfo(u32 value) : raw(value) {}

  // All forms: bits 9:7 address size in bytes (0 = 16-bit -> 2, 1 -> 4, 2 -> 8;
  // 0 for the unused encodings) and bits 17:15 the segment register.
  constexpr u8 address_size() const {
    const u32 code = (raw >> 7) & 7;
    return code <= 2 ? static_cast<u8>(2u << code) : 0;
  }
  constexpr SegmentReg segment() const { return static_cast<SegmentReg>((raw >> 15) & 7); }
  // VMX-instruction forms with a memory operand.
  constexpr u8 scaling() const { return static_cast<u8>(1u << (raw & 3)); }      // bits 1:0 -> 1, 2, 4, 8
  constexpr u8 index_reg() const { return static_cast<u8>((raw >> 18) & 0xF); }  // 21:18
  constexpr bool index_invalid() const { return (raw >> 22) & 1; }
  constexpr u8 base_reg() const { return static_cast<u8>((raw >> 23) & 0xF); }  // 26:23
  constexpr bool base_invalid() const { return (raw >> 27) & 1; }
  constexpr u8 reg2() const { return static_cast<u8>((raw >> 28) & 0xF); }  // 31:28 (VMREAD/VMWRITE, INVxxx)
  // VMREAD/VMWRITE only: bit 10 = 1 when the operand is a register (reg1, bits 6:3).
  constexpr bool register_operand() const { return (raw >> 10) & 1; }
  constexpr u8 reg1() const { return static_cast<u8>((raw >> 3) & 0xF); }
};

// The layouts above, checked against hand-assembled SDM examples.
static_assert(CrAccessQual(0x0304).cr() == 4 && CrAccessQual(0x0304).gpr() == 3);
static_assert(CrAccessQual(0x00080036).access_type() == CrAccessType::lmsw);
static_assert(IoQual(0x00600008).is_in() && IoQual(0x00600008).port() == 0x60 && IoQual(0x00600008).size() == 1);
static_assert(IoQual(0x03F80003).size() == 4 && IoQual(0x2).size() == 0);
static_assert(EptViolationQual(0x182).write() && EptViolationQual(0x182).caused_by_translation());
static_assert(InterruptionInfo::hardware_exception(vec::kGp, true).raw == 0x80000B0D);
static_assert(InterruptionInfo::external_interrupt(0x20).raw == 0x80000020);
static_assert(InterruptionInfo::nmi().raw == 0x80000202);
static_assert(InterruptionInfo::software_exception(vec::kBp).raw == 0x80000603);
static_assert(InterruptionInfo::pending_mtf().raw == 0x80000700);
static_assert(exception_has_error_code(vec::kPf) && !exception_has_error_code(vec::kUd));

}  // namespace nucleo::vmx

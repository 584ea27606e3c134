// SPDX-License-Identifier: MIT
// Table-driven tests of the exit-reason and exit-information decoders. Each
// row is a raw field value assembled from the bit positions of the SDM table
// named above it, and the fields the decoder must extract from it.
#include "vmx/core/exit_info.hpp"

#include <gtest/gtest.h>

#include <string>

#include "vmx/core/exit_reason.hpp"

namespace nucleo::vmx {
namespace {

// ---- Appendix C and Table 25-18 -------------------------------------------

TEST(ExitReasonName, GivenEveryDefinedReasonWhenNamedThenNotUnknown) {
  int known = 0;
  for (u32 r = 0; r <= 0xFFFF; ++r) {
    if (!is_known_exit_reason(r)) {
      EXPECT_STREQ(exit_reason_name(r), "unknown") << r;
      continue;
    }
    ++known;
    EXPECT_STRNE(exit_reason_name(r), "unknown") << r;
  }
  EXPECT_EQ(known, 80);  // 0-85 minus the unused 35, 38, 42, 71, 82, 83
}

TEST(ExitReasonName, GivenSdmNumbersWhenNamedThenSdmNames) {
  struct Row {
    u32 number;
    const char* name;
  };
  const Row rows[] = {
      {0, "exception or NMI"},
      {1, "external interrupt"},
      {10, "CPUID"},
      {28, "control-register access"},
      {30, "I/O instruction"},
      {33, "VM-entry failure due to invalid guest state"},
      {34, "VM-entry failure due to MSR loading"},
      {48, "EPT violation"},
      {49, "EPT misconfiguration"},
      {52, "VMX-preemption timer expired"},
      {77, "TDCALL"},
      {79, "WRMSRLIST"},
      {85, "WRMSRNS with immediate"},
      // Numbers Appendix C leaves unused, and values that are not basic reasons.
      {35, "unknown"},
      {38, "unknown"},
      {42, "unknown"},
      {71, "unknown"},
      {82, "unknown"},
      {86, "unknown"},
      {0xFFFF, "unknown"},
      {0x10000, "unknown"},
      {0x80000021, "unknown"},
  };
  for (const Row& row : rows) EXPECT_STREQ(exit_reason_name(row.number), row.name) << row.number;
  EXPECT_EQ(static_cast<u16>(ExitReason::invalid_guest_state), 33);
  EXPECT_EQ(static_cast<u16>(ExitReason::ept_violation), 48);
  EXPECT_EQ(static_cast<u16>(ExitReason::xsetbv), 55);
}

TEST(ExitReasonField, GivenRawFieldsWhenDecodedThenTable2518Bits) {
  struct Row {
    u32 raw;
    u16 basic;
    bool bus_lock, enclave, mtf, root, failure;
  };
  const Row rows[] = {
      {0x00000000, 0, false, false, false, false, false},      {0x0000000A, 10, false, false, false, false, false},
      {0x80000021, 33, false, false, false, false, true},       // VMLAUNCH with invalid guest state
      {0x80000022, 34, false, false, false, false, true},       // MSR loading
      {0x08000030, 48, false, true, false, false, false},       // EPT violation in enclave mode
      {0x10000006, 6, false, false, true, false, false},        // SMM VM exit over a pending MTF
      {0x20000005, 5, false, false, false, true, false},        // SMM VM exit from VMX root
      {0x04000001, 1, true, false, false, false, false},        // bus lock detected
      {0xFFFFFFFF, 0xFFFF, true, true, true, true, true},       // every bit
      {0x4000FFFF, 0xFFFF, false, false, false, false, false},  // bit 30 is not defined
  };
  for (const Row& row : rows) {
    SCOPED_TRACE(row.raw);
    const ExitReasonField f(row.raw);
    EXPECT_EQ(f.basic(), row.basic);
    EXPECT_EQ(f.bus_lock_detected(), row.bus_lock);
    EXPECT_EQ(f.enclave_mode(), row.enclave);
    EXPECT_EQ(f.pending_mtf(), row.mtf);
    EXPECT_EQ(f.from_vmx_root(), row.root);
    EXPECT_EQ(f.entry_failure(), row.failure);
  }
  EXPECT_TRUE(ExitReasonField(0x80000021).is(ExitReason::invalid_guest_state));
  EXPECT_STREQ(ExitReasonField(0x80000021).name(), "VM-entry failure due to invalid guest state");
}

// ---- Table 28-3: control-register accesses --------------------------------

TEST(CrAccessQual, GivenRawQualificationsWhenDecodedThenTable283Fields) {
  struct Row {
    u64 raw;
    u8 cr;
    CrAccessType type;
    LmswOperand lmsw_operand;
    u8 gpr;
    u16 lmsw_source;
  };
  using T = CrAccessType;
  using L = LmswOperand;
  const Row rows[] = {
      {0x0000000000000000, 0, T::mov_to_cr, L::register_operand, 0, 0},     // mov cr0, rax
      {0x0000000000000104, 4, T::mov_to_cr, L::register_operand, 1, 0},     // mov cr4, rcx
      {0x0000000000000F13, 3, T::mov_from_cr, L::register_operand, 15, 0},  // mov r15, cr3
      {0x0000000000000808, 8, T::mov_to_cr, L::register_operand, 8, 0},     // mov cr8, r8
      {0x0000000000000414, 4, T::mov_from_cr, L::register_operand, 4, 0},   // mov rsp, cr4
      {0x0000000000000020, 0, T::clts, L::register_operand, 0, 0},          // clts
      {0x0000000000010030, 0, T::lmsw, L::register_operand, 0, 0x0001},     // lmsw ax (PE)
      {0x00000000FFFF0070, 0, T::lmsw, L::memory_operand, 0, 0xFFFF},       // lmsw [mem]
      {0xFFFFFFFF00000104, 4, T::mov_to_cr, L::register_operand, 1, 0},     // bits 63:32 reserved
      {0x000000000000F08F, 15, T::mov_to_cr, L::register_operand, 0, 0},    // bits 7, 15:12 reserved
  };
  for (const Row& row : rows) {
    SCOPED_TRACE(row.raw);
    const CrAccessQual q(row.raw);
    EXPECT_EQ(q.cr(), row.cr);
    EXPECT_EQ(q.access_type(), row.type);
    EXPECT_EQ(q.lmsw_operand(), row.lmsw_operand);
    EXPECT_EQ(q.gpr(), row.gpr);
    EXPECT_EQ(q.lmsw_source(), row.lmsw_source);
  }
  EXPECT_STREQ(gpr_name(0), "rax");
  EXPECT_STREQ(gpr_name(4), "rsp");
  EXPECT_STREQ(gpr_name(15), "r15");
  EXPECT_STREQ(gpr_name(16), "?");
}

// ---- Table 28-5: I/O instructions ------------------------------------------

TEST(IoQual, GivenRawQualificationsWhenDecodedThenTable285Fields) {
  struct Row {
    u64 raw;
    u8 size;
    bool in, string, rep, immediate;
    u16 port;
  };
  const Row rows[] = {
      {0x0000000000600008, 1, true, false, false, false, 0x60},     // in al, dx (dx = 0x60)
      {0x0000000000640048, 1, true, false, false, true, 0x64},      // in al, 0x64
      {0x0000000003F80001, 2, false, false, false, false, 0x3F8},   // out dx, ax
      {0x000000000CFC000B, 4, true, false, false, false, 0xCFC},    // in eax, dx
      {0x0000000000800039, 2, true, true, true, false, 0x80},       // rep insw
      {0x0000000000E90010, 1, false, true, false, false, 0xE9},     // outsb
      {0x00000000FFFF0003, 4, false, false, false, false, 0xFFFF},  // highest port
      {0x0000000000000000, 1, false, false, false, false, 0},       // out dx, al (port 0)
      {0x0000000000000002, 0, false, false, false, false, 0},       // size encoding 2: not used
      {0x0000000000000007, 0, false, false, false, false, 0},       // size encoding 7: not used
      {0xFFFFFFFF0000FF80, 1, false, false, false, false, 0},       // reserved 15:7 and 63:32
  };
  for (const Row& row : rows) {
    SCOPED_TRACE(row.raw);
    const IoQual q(row.raw);
    EXPECT_EQ(q.size(), row.size);
    EXPECT_EQ(q.is_in(), row.in);
    EXPECT_EQ(q.direction(), row.in ? IoDirection::in : IoDirection::out);
    EXPECT_EQ(q.string(), row.string);
    EXPECT_EQ(q.rep(), row.rep);
    EXPECT_EQ(q.immediate(), row.immediate);
    EXPECT_EQ(q.port(), row.port);
  }
}

// ---- Table 28-7: EPT violations --------------------------------------------

TEST(EptViolationQual, GivenRawQualificationsWhenDecodedThenTable287Fields) {
  struct Row {
    u64 raw;
    bool read, write, fetch;
    bool readable, writable, executable;
    bool linear_valid, by_translation, by_paging_structure, nmi_unblocking;
  };
  const Row rows[] = {
      {0x000, false, false, false, false, false, false, false, false, false, false},
      {0x181, true, false, false, false, false, false, true, true, false, false},     // read, not present
      {0x182, false, true, false, false, false, false, true, true, false, false},     // write, not present
      {0x09A, false, true, false, true, true, false, true, false, true, false},       // A/D write to a guest PTE
      {0x18A, false, true, false, true, false, false, true, true, false, false},      // write to read-only page
      {0x18C, false, false, true, true, false, false, true, true, false, false},      // fetch from NX page
      {0x100, false, false, false, false, false, false, false, false, false, false},  // bit 8 needs bit 7
      {0x1181, true, false, false, false, false, false, true, true, false, true},     // after IRET
      {0x03F, true, true, true, true, true, true, false, false, false, false},
      {0xFFFFFFFFFFFE0001, true, false, false, false, false, false, false, false, false, false},  // reserved
  };
  for (const Row& row : rows) {
    SCOPED_TRACE(row.raw);
    const EptViolationQual q(row.raw);
    EXPECT_EQ(q.read(), row.read);
    EXPECT_EQ(q.write(), row.write);
    EXPECT_EQ(q.fetch(), row.fetch);
    EXPECT_EQ(q.readable(), row.readable);
    EXPECT_EQ(q.writable(), row.writable);
    EXPECT_EQ(q.executable(), row.executable);
    EXPECT_EQ(q.present(), row.readable || row.writable || row.executable);
    EXPECT_EQ(q.linear_address_valid(), row.linear_valid);
    EXPECT_EQ(q.caused_by_translation(), row.by_translation);
    EXPECT_EQ(q.caused_by_paging_structure(), row.by_paging_structure);
    EXPECT_EQ(q.nmi_unblocking(), row.nmi_unblocking);
  }
  const EptViolationQual high(0x1EE00);  // bits 9-11 and 13-16
  EXPECT_TRUE(high.user_mode_address() && high.guest_page_writable() && high.guest_page_nx());
  EXPECT_TRUE(high.shadow_stack_access() && high.supervisor_shadow_stack());
  EXPECT_TRUE(high.guest_paging_verification() && high.asynchronous());
  EXPECT_FALSE(high.nmi_unblocking() || high.read() || high.user_executable());
  EXPECT_EQ(EptViolationQual(0x28).allowed_rwx(), 5);
}

// ---- Tables 25-17, 25-19, 25-20: interruption information ------------------

TEST(InterruptionInfo, GivenRawFieldsWhenDecodedThenVectorTypeAndFlags) {
  struct Row {
    u32 raw;
    u8 vector;
    InterruptionType type;
    bool error_code, nmi_unblocking, valid;
  };
  using T = InterruptionType;
  const Row rows[] = {
      {0x00000000, 0, T::external_interrupt, false, false, false},
      {0x80000020, 0x20, T::external_interrupt, false, false, true},
      {0x80000202, 2, T::nmi, false, false, true},
      {0x80000B0E, 14, T::hardware_exception, true, false, true},  // #PF with error code
      {0x80001B08, 8, T::hardware_exception, true, true, true},    // #DF, NMI unblocking bit
      {0x80000306, 6, T::hardware_exception, false, false, true},  // #UD
      {0x800004FF, 0xFF, T::software_interrupt, false, false, true},
      {0x80000501, 1, T::privileged_software_exception, false, false, true},
      {0x80000603, 3, T::software_exception, false, false, true},
      {0x80000700, 0, T::other_event, false, false, true},
      {0x80000100, 0, T::reserved, false, false, true},
      {0x7FFFFFFF, 0xFF, T::other_event, true, true, false},  // everything but valid
  };
  for (const Row& row : rows) {
    SCOPED_TRACE(row.raw);
    const InterruptionInfo info(row.raw);
    EXPECT_EQ(info.vector(), row.vector);
    EXPECT_EQ(info.type(), row.type);
    EXPECT_EQ(info.error_code_valid(), row.error_code);
    EXPECT_EQ(info.nmi_unblocking(), row.nmi_unblocking);
    EXPECT_EQ(info.valid(), row.valid);
  }
  EXPECT_STREQ(interruption_type_name(T::privileged_software_exception), "privileged software exception");
  EXPECT_STREQ(interruption_type_name(T::nmi), "NMI");
}

TEST(InterruptionInfo, GivenBuildersWhenBuiltThenTable2517Encodings) {
  EXPECT_EQ(InterruptionInfo::external_interrupt(0x30).raw, 0x80000030u);
  EXPECT_EQ(InterruptionInfo::external_interrupt(0xFF).raw, 0x800000FFu);
  EXPECT_EQ(InterruptionInfo::nmi().raw, 0x80000202u);
  EXPECT_EQ(InterruptionInfo::hardware_exception(vec::kGp, true).raw, 0x80000B0Du);
  EXPECT_EQ(InterruptionInfo::hardware_exception(vec::kUd, false).raw, 0x80000306u);
  EXPECT_EQ(InterruptionInfo::hardware_exception(vec::kDe, false).raw, 0x80000300u);
  EXPECT_EQ(InterruptionInfo::software_interrupt(0x80).raw, 0x80000480u);
  EXPECT_EQ(InterruptionInfo::privileged_software_exception().raw, 0x80000501u);
  EXPECT_EQ(InterruptionInfo::software_exception(vec::kOf).raw, 0x80000604u);
  EXPECT_EQ(InterruptionInfo::pending_mtf().raw, 0x80000700u);
  for (u32 v = 0; v < 32; ++v) {
    const bool expected = v == 8 || (v >= 10 && v <= 14) || v == 17 || v == 21;
    EXPECT_EQ(exception_has_error_code(static_cast<u8>(v)), expected) << v;
    const auto info = InterruptionInfo::hardware_exception(static_cast<u8>(v), expected);
    EXPECT_EQ(info.injection_problem(), nullptr) << v;
    EXPECT_EQ(info.vector(), v);
  }
}

TEST(InterruptionInfo, GivenEntryFieldsWhenCheckedThenSection27213Problems) {
  struct Row {
    u32 raw;
    bool protected_mode;
    const char* problem;  // substring, or nullptr when acceptable
  };
  const Row rows[] = {
      {0x00000000, true, nullptr},  // not valid: nothing injected
      {0x7FFFFFFF, true, nullptr},  // not valid: the rest is ignored
      {0x80000020, true, nullptr},
      {0x80000202, true, nullptr},
      {0x80000B0D, true, nullptr},   // #GP with error code
      {0x8000030D, false, nullptr},  // #GP in real mode pushes none
      {0x80000B0D, false, "deliver-error-code is set"},
      {0x80000100, true, "type 1 is reserved"},
      {0x80000203, true, "NMI must have vector 2"},
      {0x80000320, true, "vector in 0-31"},
      {0x80000701, true, "vector 0"},
      {0x8000030E, true, "deliver-error-code is clear"},  // #PF without its error code
      {0x80000B06, true, "deliver-error-code is set"},    // #UD has none
      {0x80000820, true, "deliver-error-code is set"},    // external interrupt
      {0x80001020, true, "reserved bits 30:12"},
      {0xC0000020, true, "reserved bits 30:12"},
  };
  for (const Row& row : rows) {
    SCOPED_TRACE(row.raw);
    const char* problem = InterruptionInfo(row.raw).injection_problem(row.protected_mode);
    if (row.problem == nullptr) {
      EXPECT_EQ(problem, nullptr) << problem;
    } else {
      ASSERT_NE(problem, nullptr);
      EXPECT_NE(std::string(problem).find(row.problem), std::string::npos) << problem;
    }
  }
}

// ---- 28.2.5: VM-exit instruction information -------------------------------

TEST(ExitInstructionInfo, GivenInsOutsFormWhenDecodedThenAddressSizeAndSegment) {
  struct Row {
    u32 raw;
    u8 address_size;
    SegmentReg segment;
  };
  const Row rows[] = {
      {0x00000000, 2, SegmentReg::es}, {0x00018080, 4, SegmentReg::ds},  // 32-bit, DS
      {0x00020100, 8, SegmentReg::fs},                                   // 64-bit, FS
      {0x00028100, 8, SegmentReg::gs}, {0x00008000, 2, SegmentReg::cs},
      {0x00010180, 0, SegmentReg::ss},  // address-size encoding 3 is not used
  };
  for (const Row& row : rows) {
    SCOPED_TRACE(row.raw);
    const ExitInstructionInfo info(row.raw);
    EXPECT_EQ(info.address_size(), row.address_size);
    EXPECT_EQ(info.segment(), row.segment);
  }
}

TEST(ExitInstructionInfo, GivenVmreadFormWhenDecodedThenOperands) {
  // vmread [rax + rcx*8], rdx in 64-bit mode:
  // scaling 3, reg1 undefined (memory), address size 2, mem (bit 10 = 0),
  // segment DS, index RCX valid, base RAX valid, reg2 RDX.
  const u32 raw = 3u | (2u << 7) | (3u << 15) | (1u << 18) | (0u << 23) | (2u << 28);
  const ExitInstructionInfo info(raw);
  EXPECT_EQ(info.scaling(), 8);
  EXPECT_EQ(info.address_size(), 8);
  EXPECT_FALSE(info.register_operand());
  EXPECT_EQ(info.segment(), SegmentReg::ds);
  EXPECT_EQ(info.index_reg(), 1);
  EXPECT_FALSE(info.index_invalid());
  EXPECT_EQ(info.base_reg(), 0);
  EXPECT_FALSE(info.base_invalid());
  EXPECT_EQ(info.reg2(), 2);
  // vmwrite rbx, r9 (register form): reg1 = 9, bit 10 set, index/base invalid.
  const ExitInstructionInfo reg((9u << 3) | (1u << 10) | (1u << 22) | (1u << 27) | (3u << 28));
  EXPECT_TRUE(reg.register_operand());
  EXPECT_EQ(reg.reg1(), 9);
  EXPECT_TRUE(reg.index_invalid());
  EXPECT_TRUE(reg.base_invalid());
  EXPECT_EQ(reg.reg2(), 3);
  EXPECT_EQ(ExitInstructionInfo(0).scaling(), 1);
}

}  // namespace
}  // namespace nucleo::vmx

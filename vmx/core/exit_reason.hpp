// SPDX-License-Identifier: MIT
// Basic exit reasons (SDM Vol. 3C, Appendix C "VMX Basic Exit Reasons") and
// the 32-bit exit-reason VMCS field that carries them (SDM Vol. 3C 25.9.1,
// Table 25-18 "Format of Exit Reason"; how a VM exit fills it: 28.2.1).
#pragma once

#include "kernel/lib/types.hpp"

namespace nucleo::vmx {

// Appendix C, Table C-1. Gaps (35, 38, 42, 71, 82, 83) are numbers the SDM
// does not use. 80-81 and 84-85 come from later SDM revisions / the ISE.
enum class ExitReason : u16 {
  exception_or_nmi = 0,
  external_interrupt = 1,
  triple_fault = 2,
  init_signal = 3,
  sipi = 4,
  io_smi = 5,
  other_smi = 6,
  interrupt_window = 7,
  nmi_window = 8,
  task_switch = 9,
  cpuid = 10,
  getsec = 11,
  hlt = 12,
  invd = 13,
  invlpg = 14,
  rdpmc = 15,
  rdtsc = 16,
  rsm = 17,
  vmcall = 18,
  vmclear = 19,
  vmlaunch = 20,
  vmptrld = 21,
  vmptrst = 22,
  vmread = 23,
  vmresume = 24,
  vmwrite = 25,
  vmxoff = 26,
  vmxon = 27,
  cr_access = 28,
  dr_access = 29,
  io_instruction = 30,
  rdmsr = 31,
  wrmsr = 32,
  invalid_guest_state = 33,  // VM-entry failure (bit 31 set)
  msr_loading = 34,          // VM-entry failure (bit 31 set)
  mwait = 36,
  monitor_trap_flag = 37,
  monitor = 39,
  pause = 40,
  machine_check_during_entry = 41,  // VM-entry failure (bit 31 set)
  tpr_below_threshold = 43,
  apic_access = 44,
  virtualized_eoi = 45,
  gdtr_idtr_access = 46,
  ldtr_tr_access = 47,
  ept_violation = 48,
  ept_misconfiguration = 49,
  invept = 50,
  rdtscp = 51,
  preemption_timer = 52,
  invvpid = 53,
  wbinvd = 54,  // WBINVD or WBNOINVD
  xsetbv = 55,
  apic_write = 56,
  rdrand = 57,
  invpcid = 58,
  vmfunc = 59,
  encls = 60,
  rdseed = 61,
  pml_full = 62,
  xsaves = 63,
  xrstors = 64,
  pconfig = 65,
  spp_event = 66,
  umwait = 67,
  tpause = 68,
  loadiwkey = 69,
  enclv = 70,
  enqcmd_pasid_failure = 72,
  enqcmds_pasid_failure = 73,
  bus_lock = 74,
  instruction_timeout = 75,
  seamcall = 76,
  tdcall = 77,
  rdmsrlist = 78,
  wrmsrlist = 79,
  urdmsr = 80,
  uwrmsr = 81,
  rdmsr_immediate = 84,
  wrmsr_immediate = 85,
};

// The SDM's name of a basic exit reason number ("EPT violation"), or
// "unknown" for a number Appendix C does not define (including anything
// above 0xFFFF: pass the basic reason, not the whole field).
const char* exit_reason_name(u32 basic_reason);

// Whether Appendix C defines this basic reason number.
bool is_known_exit_reason(u32 basic_reason);

// The exit-reason field (Table 25-18), decoded on demand.
struct ExitReasonField {
  u32 raw = 0;

  constexpr ExitReasonField() = default;
  constexpr explicit ExitReasonField(u32 value) : raw(value) {}

  constexpr u16 basic() const { return static_cast<u16>(raw & 0xFFFF); }  // bits 15:0
  constexpr ExitReason reason() const { return static_cast<ExitReason>(basic()); }
  constexpr bool is(ExitReason r) const { return reason() == r; }
  constexpr bool bus_lock_detected() const { return (raw >> 26) & 1; }  // bit 26 (bus-lock detection)
  constexpr bool enclave_mode() const { return (raw >> 27) & 1; }       // bit 27 (28.2.1)
  constexpr bool pending_mtf() const { return (raw >> 28) & 1; }        // bit 28 (SMM VM exits only)
  constexpr bool from_vmx_root() const { return (raw >> 29) & 1; }      // bit 29 (SMM VM exits only)
  constexpr bool entry_failure() const { return (raw >> 31) & 1; }      // bit 31: VM-entry failure
  const char* name() const { return exit_reason_name(basic()); }
};

static_assert(ExitReasonField(0x80000021).entry_failure());
static_assert(ExitReasonField(0x80000021).is(ExitReason::invalid_guest_state));
static_assert(ExitReasonField(0x08000030).enclave_mode() && !ExitReasonField(0x08000030).entry_failure());
static_assert(sizeof(ExitReason) == 2);

}  // namespace nucleo::vmx

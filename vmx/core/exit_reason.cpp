// SPDX-License-Identifier: MIT
#include "vmx/core/exit_reason.hpp"

namespace nucleo::vmx {

namespace {

struct ReasonName {
  ExitReason reason;
  const char* name;
};

// Names as SDM Vol. 3C Appendix C, Table C-1 words them.
constexpr ReasonName kNames[] = {
    {ExitReason::exception_or_nmi, "exception or NMI"},
    {ExitReason::external_interrupt, "external interrupt"},
    {ExitReason::triple_fault, "triple fault"},
    {ExitReason::init_signal, "INIT signal"},
    {ExitReason::sipi, "start-up IPI (SIPI)"},
    {ExitReason::io_smi, "I/O system-management interrupt"},
    {ExitReason::other_smi, "other SMI"},
    {ExitReason::interrupt_window, "interrupt window"},
    {ExitReason::nmi_window, "NMI window"},
    {ExitReason::task_switch, "task switch"},
    {ExitReason::cpuid, "CPUID"},
    {ExitReason::getsec, "GETSEC"},
    {ExitReason::hlt, "HLT"},
    {ExitReason::invd, "INVD"},
    {ExitReason::invlpg, "INVLPG"},
    {ExitReason::rdpmc, "RDPMC"},
    {ExitReason::rdtsc, "RDTSC"},
    {ExitReason::rsm, "RSM"},
    {ExitReason::vmcall, "VMCALL"},
    {ExitReason::vmclear, "VMCLEAR"},
    {ExitReason::vmlaunch, "VMLAUNCH"},
    {ExitReason::vmptrld, "VMPTRLD"},
    {ExitReason::vmptrst, "VMPTRST"},
    {ExitReason::vmread, "VMREAD"},
    {ExitReason::vmresume, "VMRESUME"},
    {ExitReason::vmwrite, "VMWRITE"},
    {ExitReason::vmxoff, "VMXOFF"},
    {ExitReason::vmxon, "VMXON"},
    {ExitReason::cr_access, "control-register access"},
    {ExitReason::dr_access, "MOV DR"},
    {ExitReason::io_instruction, "I/O instruction"},
    {ExitReason::rdmsr, "RDMSR"},
    {ExitReason::wrmsr, "WRMSR"},
    {ExitReason::invalid_guest_state, "VM-entry failure due to invalid guest state"},
    {ExitReason::msr_loading, "VM-entry failure due to MSR loading"},
    {ExitReason::mwait, "MWAIT"},
    {ExitReason::monitor_trap_flag, "monitor trap flag"},
    {ExitReason::monitor, "MONITOR"},
    {ExitReason::pause, "PAUSE"},
    {ExitReason::machine_check_during_entry, "VM-entry failure due to machine-check event"},
    {ExitReason::tpr_below_threshold, "TPR below threshold"},
    {ExitReason::apic_access, "APIC access"},
    {ExitReason::virtualized_eoi, "virtualized EOI"},
    {ExitReason::gdtr_idtr_access, "access to GDTR or IDTR"},
    {ExitReason::ldtr_tr_access, "access to LDTR or TR"},
    {ExitReason::ept_violation, "EPT violation"},
    {ExitReason::ept_misconfiguration, "EPT misconfiguration"},
    {ExitReason::invept, "INVEPT"},
    {ExitReason::rdtscp, "RDTSCP"},
    {ExitReason::preemption_timer, "VMX-preemption timer expired"},
    {ExitReason::invvpid, "INVVPID"},
    {ExitReason::wbinvd, "WBINVD or WBNOINVD"},
    {ExitReason::xsetbv, "XSETBV"},
    {ExitReason::apic_write, "APIC write"},
    {ExitReason::rdrand, "RDRAND"},
    {ExitReason::invpcid, "INVPCID"},
    {ExitReason::vmfunc, "VMFUNC"},
    {ExitReason::encls, "ENCLS"},
    {ExitReason::rdseed, "RDSEED"},
    {ExitReason::pml_full, "page-modification log full"},
    {ExitReason::xsaves, "XSAVES"},
    {ExitReason::xrstors, "XRSTORS"},
    {ExitReason::pconfig, "PCONFIG"},
    {ExitReason::spp_event, "SPP-related event"},
    {ExitReason::umwait, "UMWAIT"},
    {ExitReason::tpause, "TPAUSE"},
    {ExitReason::loadiwkey, "LOADIWKEY"},
    {ExitReason::enclv, "ENCLV"},
    {ExitReason::enqcmd_pasid_failure, "ENQCMD PASID translation failure"},
    {ExitReason::enqcmds_pasid_failure, "ENQCMDS PASID translation failure"},
    {ExitReason::bus_lock, "bus lock"},
    {ExitReason::instruction_timeout, "instruction timeout"},
    {ExitReason::seamcall, "SEAMCALL"},
    {ExitReason::tdcall, "TDCALL"},
    {ExitReason::rdmsrlist, "RDMSRLIST"},
    {ExitReason::wrmsrlist, "WRMSRLIST"},
    {ExitReason::urdmsr, "URDMSR"},
    {ExitReason::uwrmsr, "UWRMSR"},
    {ExitReason::rdmsr_immediate, "RDMSR with immediate"},
    {ExitReason::wrmsr_immediate, "WRMSRNS with immediate"},
};

// The table is sorted by number, so a lookup may stop early.
constexpr bool sorted() {
  for (usize i = 1; i < sizeof(kNames) / sizeof(kNames[0]); ++i)
    if (static_cast<u16>(kNames[i - 1].reason) >= static_cast<u16>(kNames[i].reason)) return false;
  return true;
}
static_assert(sorted(), "kNames must be sorted by exit reason, without duplicates");

const ReasonName* find(u32 basic_reason) {
  for (const ReasonName& entry : kNames) {
    const u32 number = static_cast<u16>(entry.reason);
    if (number == basic_reason) return &entry;
    if (number > basic_reason) break;
  }
  return nullptr;
}

}  // namespace

const char* exit_reason_name(u32 basic_reason) {
  const ReasonName* entry = find(basic_reason);
  return entry != nullptr ? entry->name : "unknown";
}

bool is_known_exit_reason(u32 basic_reason) { return find(basic_reason) != nullptr; }

}  // namespace nucleo::vmx

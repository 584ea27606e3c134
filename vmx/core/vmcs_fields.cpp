// SPDX-License-Identifier: MIT
// Names of the VMCS fields for diagnostics, and a compile-time check that
// every encoding sits in the enum of its width (SDM Vol. 3C 25.11.2: bits
// 14:13 of the encoding give the width).
#include "vmx/core/vmcs_fields.hpp"

namespace nucleo::vmx {

namespace {
template <typename E>
constexpr bool widths_match(const E* fields, u32 count, u32 width) {
  for (u32 i = 0; i < count; ++i)
    if (encoding_width(static_cast<u32>(fields[i])) != width) return false;
  return true;
}

constexpr Vmcs16 kVmcs16All[] = {Vmcs16::vpid, Vmcs16::posted_interrupt_vector, Vmcs16::guest_es, Vmcs16::guest_cs, Vmcs16::guest_ss, Vmcs16::guest_ds, Vmcs16::guest_fs, Vmcs16::guest_gs, Vmcs16::guest_ldtr, Vmcs16::guest_tr, Vmcs16::guest_interrupt_status, Vmcs16::host_es, Vmcs16::host_cs, Vmcs16::host_ss, Vmcs16::host_ds, Vmcs16::host_fs, Vmcs16::host_gs, Vmcs16::host_tr};
static_assert(widths_match(kVmcs16All, sizeof kVmcs16All / sizeof kVmcs16All[0], 0), "Vmcs16: an encoding of another width");
constexpr Vmcs64 kVmcs64All[] = {Vmcs64::io_bitmap_a, Vmcs64::io_bitmap_b, Vmcs64::msr_bitmap, Vmcs64::exit_msr_store, Vmcs64::exit_msr_load, Vmcs64::entry_msr_load, Vmcs64::tsc_offset, Vmcs64::virtual_apic_page, Vmcs64::apic_access_page, Vmcs64::posted_interrupt_descriptor, Vmcs64::vm_function_controls, Vmcs64::ept_pointer, Vmcs64::eoi_exit_bitmap0, Vmcs64::eoi_exit_bitmap1, Vmcs64::eoi_exit_bitmap2, Vmcs64::eoi_exit_bitmap3, Vmcs64::xss_exiting_bitmap, Vmcs64::guest_physical_address, Vmcs64::vmcs_link_pointer, Vmcs64::guest_debugctl, Vmcs64::guest_pat, Vmcs64::guest_efer, Vmcs64::guest_perf_global_ctrl, Vmcs64::guest_pdpte0, Vmcs64::guest_pdpte1, Vmcs64::guest_pdpte2, Vmcs64::guest_pdpte3, Vmcs64::host_pat, Vmcs64::host_efer, Vmcs64::host_perf_global_ctrl};
static_assert(widths_match(kVmcs64All, sizeof kVmcs64All / sizeof kVmcs64All[0], 1), "Vmcs64: an encoding of another width");
constexpr Vmcs32 kVmcs32All[] = {Vmcs32::pin_controls, Vmcs32::proc_controls, Vmcs32::exception_bitmap, Vmcs32::page_fault_error_mask, Vmcs32::page_fault_error_match, Vmcs32::cr3_target_count, Vmcs32::exit_controls, Vmcs32::exit_msr_store_count, Vmcs32::exit_msr_load_count, Vmcs32::entry_controls, Vmcs32::entry_msr_load_count, Vmcs32::entry_interruption_info, Vmcs32::entry_exception_error_code, Vmcs32::entry_instruction_length, Vmcs32::tpr_threshold, Vmcs32::proc_controls2, Vmcs32::ple_gap, Vmcs32::ple_window, Vmcs32::vm_instruction_error, Vmcs32::exit_reason, Vmcs32::exit_interruption_info, Vmcs32::exit_interruption_error_code, Vmcs32::idt_vectoring_info, Vmcs32::idt_vectoring_error_code, Vmcs32::exit_instruction_length, Vmcs32::exit_instruction_info, Vmcs32::guest_es_limit, Vmcs32::guest_cs_limit, Vmcs32::guest_ss_limit, Vmcs32::guest_ds_limit, Vmcs32::guest_fs_limit, Vmcs32::guest_gs_limit, Vmcs32::guest_ldtr_limit, Vmcs32::guest_tr_limit, Vmcs32::guest_gdtr_limit, Vmcs32::guest_idtr_limit, Vmcs32::guest_es_access, Vmcs32::guest_cs_access, Vmcs32::guest_ss_access, Vmcs32::guest_ds_access, Vmcs32::guest_fs_access, Vmcs32::guest_gs_access, Vmcs32::guest_ldtr_access, Vmcs32::guest_tr_access, Vmcs32::guest_interruptibility, Vmcs32::guest_activity_state, Vmcs32::guest_smbase, Vmcs32::guest_sysenter_cs, Vmcs32::guest_preemption_timer, Vmcs32::host_sysenter_cs};
static_assert(widths_match(kVmcs32All, sizeof kVmcs32All / sizeof kVmcs32All[0], 2), "Vmcs32: an encoding of another width");
constexpr VmcsNat kVmcsNatAll[] = {VmcsNat::cr0_guest_host_mask, VmcsNat::cr4_guest_host_mask, VmcsNat::cr0_read_shadow, VmcsNat::cr4_read_shadow, VmcsNat::cr3_target0, VmcsNat::exit_qualification, VmcsNat::io_rcx, VmcsNat::io_rsi, VmcsNat::io_rdi, VmcsNat::io_rip, VmcsNat::guest_linear_address, VmcsNat::guest_cr0, VmcsNat::guest_cr3, VmcsNat::guest_cr4, VmcsNat::guest_es_base, VmcsNat::guest_cs_base, VmcsNat::guest_ss_base, VmcsNat::guest_ds_base, VmcsNat::guest_fs_base, VmcsNat::guest_gs_base, VmcsNat::guest_ldtr_base, VmcsNat::guest_tr_base, VmcsNat::guest_gdtr_base, VmcsNat::guest_idtr_base, VmcsNat::guest_dr7, VmcsNat::guest_rsp, VmcsNat::guest_rip, VmcsNat::guest_rflags, VmcsNat::guest_pending_debug, VmcsNat::guest_sysenter_esp, VmcsNat::guest_sysenter_eip, VmcsNat::host_cr0, VmcsNat::host_cr3, VmcsNat::host_cr4, VmcsNat::host_fs_base, VmcsNat::host_gs_base, VmcsNat::host_tr_base, VmcsNat::host_gdtr_base, VmcsNat::host_idtr_base, VmcsNat::host_sysenter_esp, VmcsNat::host_sysenter_eip, VmcsNat::host_rsp, VmcsNat::host_rip};
static_assert(widths_match(kVmcsNatAll, sizeof kVmcsNatAll / sizeof kVmcsNatAll[0], 3), "VmcsNat: an encoding of another width");
}  // namespace

const char* field_name(u32 encoding) {
  switch (encoding) {
    case 0x0000: return "vpid";
    case 0x0002: return "posted_interrupt_vector";
    case 0x0800: return "guest_es";
    case 0x0802: return "guest_cs";
    case 0x0804: return "guest_ss";
    case 0x0806: return "guest_ds";
    case 0x0808: return "guest_fs";
    case 0x080A: return "guest_gs";
    case 0x080C: return "guest_ldtr";
    case 0x080E: return "guest_tr";
    case 0x0810: return "guest_interrupt_status";
    case 0x0C00: return "host_es";
    case 0x0C02: return "host_cs";
    case 0x0C04: return "host_ss";
    case 0x0C06: return "host_ds";
    case 0x0C08: return "host_fs";
    case 0x0C0A: return "host_gs";
    case 0x0C0C: return "host_tr";
    case 0x2000: return "io_bitmap_a";
    case 0x2002: return "io_bitmap_b";
    case 0x2004: return "msr_bitmap";
    case 0x2006: return "exit_msr_store";
    case 0x2008: return "exit_msr_load";
    case 0x200A: return "entry_msr_load";
    case 0x2010: return "tsc_offset";
    case 0x2012: return "virtual_apic_page";
    case 0x2014: return "apic_access_page";
    case 0x2016: return "posted_interrupt_descriptor";
    case 0x2018: return "vm_function_controls";
    case 0x201A: return "ept_pointer";
    case 0x201C: return "eoi_exit_bitmap0";
    case 0x201E: return "eoi_exit_bitmap1";
    case 0x2020: return "eoi_exit_bitmap2";
    case 0x2022: return "eoi_exit_bitmap3";
    case 0x202C: return "xss_exiting_bitmap";
    case 0x2400: return "guest_physical_address";
    case 0x2800: return "vmcs_link_pointer";
    case 0x2802: return "guest_debugctl";
    case 0x2804: return "guest_pat";
    case 0x2806: return "guest_efer";
    case 0x2808: return "guest_perf_global_ctrl";
    case 0x280A: return "guest_pdpte0";
    case 0x280C: return "guest_pdpte1";
    case 0x280E: return "guest_pdpte2";
    case 0x2810: return "guest_pdpte3";
    case 0x2C00: return "host_pat";
    case 0x2C02: return "host_efer";
    case 0x2C04: return "host_perf_global_ctrl";
    case 0x4000: return "pin_controls";
    case 0x4002: return "proc_controls";
    case 0x4004: return "exception_bitmap";
    case 0x4006: return "page_fault_error_mask";
    case 0x4008: return "page_fault_error_match";
    case 0x400A: return "cr3_target_count";
    case 0x400C: return "exit_controls";
    case 0x400E: return "exit_msr_store_count";
    case 0x4010: return "exit_msr_load_count";
    case 0x4012: return "entry_controls";
    case 0x4014: return "entry_msr_load_count";
    case 0x4016: return "entry_interruption_info";
    case 0x4018: return "entry_exception_error_code";
    case 0x401A: return "entry_instruction_length";
    case 0x401C: return "tpr_threshold";
    case 0x401E: return "proc_controls2";
    case 0x4020: return "ple_gap";
    case 0x4022: return "ple_window";
    case 0x4400: return "vm_instruction_error";
    case 0x4402: return "exit_reason";
    case 0x4404: return "exit_interruption_info";
    case 0x4406: return "exit_interruption_error_code";
    case 0x4408: return "idt_vectoring_info";
    case 0x440A: return "idt_vectoring_error_code";
    case 0x440C: return "exit_instruction_length";
    case 0x440E: return "exit_instruction_info";
    case 0x4800: return "guest_es_limit";
    case 0x4802: return "guest_cs_limit";
    case 0x4804: return "guest_ss_limit";
    case 0x4806: return "guest_ds_limit";
    case 0x4808: return "guest_fs_limit";
    case 0x480A: return "guest_gs_limit";
    case 0x480C: return "guest_ldtr_limit";
    case 0x480E: return "guest_tr_limit";
    case 0x4810: return "guest_gdtr_limit";
    case 0x4812: return "guest_idtr_limit";
    case 0x4814: return "guest_es_access";
    case 0x4816: return "guest_cs_access";
    case 0x4818: return "guest_ss_access";
    case 0x481A: return "guest_ds_access";
    case 0x481C: return "guest_fs_access";
    case 0x481E: return "guest_gs_access";
    case 0x4820: return "guest_ldtr_access";
    case 0x4822: return "guest_tr_access";
    case 0x4824: return "guest_interruptibility";
    case 0x4826: return "guest_activity_state";
    case 0x4828: return "guest_smbase";
    case 0x482A: return "guest_sysenter_cs";
    case 0x482E: return "guest_preemption_timer";
    case 0x4C00: return "host_sysenter_cs";
    case 0x6000: return "cr0_guest_host_mask";
    case 0x6002: return "cr4_guest_host_mask";
    case 0x6004: return "cr0_read_shadow";
    case 0x6006: return "cr4_read_shadow";
    case 0x6008: return "cr3_target0";
    case 0x6400: return "exit_qualification";
    case 0x6402: return "io_rcx";
    case 0x6404: return "io_rsi";
    case 0x6406: return "io_rdi";
    case 0x6408: return "io_rip";
    case 0x640A: return "guest_linear_address";
    case 0x6800: return "guest_cr0";
    case 0x6802: return "guest_cr3";
    case 0x6804: return "guest_cr4";
    case 0x6806: return "guest_es_base";
    case 0x6808: return "guest_cs_base";
    case 0x680A: return "guest_ss_base";
    case 0x680C: return "guest_ds_base";
    case 0x680E: return "guest_fs_base";
    case 0x6810: return "guest_gs_base";
    case 0x6812: return "guest_ldtr_base";
    case 0x6814: return "guest_tr_base";
    case 0x6816: return "guest_gdtr_base";
    case 0x6818: return "guest_idtr_base";
    case 0x681A: return "guest_dr7";
    case 0x681C: return "guest_rsp";
    case 0x681E: return "guest_rip";
    case 0x6820: return "guest_rflags";
    case 0x6822: return "guest_pending_debug";
    case 0x6824: return "guest_sysenter_esp";
    case 0x6826: return "guest_sysenter_eip";
    case 0x6C00: return "host_cr0";
    case 0x6C02: return "host_cr3";
    case 0x6C04: return "host_cr4";
    case 0x6C06: return "host_fs_base";
    case 0x6C08: return "host_gs_base";
    case 0x6C0A: return "host_tr_base";
    case 0x6C0C: return "host_gdtr_base";
    case 0x6C0E: return "host_idtr_base";
    case 0x6C10: return "host_sysenter_esp";
    case 0x6C12: return "host_sysenter_eip";
    case 0x6C14: return "host_rsp";
    case 0x6C16: return "host_rip";
  }
  return "unknown field";
}

}  // namespace nucleo::vmx

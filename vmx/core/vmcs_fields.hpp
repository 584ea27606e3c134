// SPDX-License-Identifier: MIT
// VMCS field encodings, one enum per field width (SDM Vol. 3C, Appendix B),
// so reading a 16-bit field into a 64-bit variable, or writing a natural-
// width value into a 32-bit field, does not compile (VmcsAccess overloads).
#pragma once

#include "kernel/lib/types.hpp"

namespace nucleo::vmx {

// B.1: 16-bit fields.
enum class Vmcs16 : u32 {
  vpid = 0x0000,
  posted_interrupt_vector = 0x0002,
  guest_es = 0x0800, guest_cs = 0x0802, guest_ss = 0x0804, guest_ds = 0x0806,
  guest_fs = 0x0808, guest_gs = 0x080A, guest_ldtr = 0x080C, guest_tr = 0x080E,
  guest_interrupt_status = 0x0810,
  host_es = 0x0C00, host_cs = 0x0C02, host_ss = 0x0C04, host_ds = 0x0C06,
  host_fs = 0x0C08, host_gs = 0x0C0A, host_tr = 0x0C0C,
};

// B.2: 64-bit fields (full encodings; "high" halves are never used on x86-64).
enum class Vmcs64 : u32 {
  io_bitmap_a = 0x2000,
  io_bitmap_b = 0x2002,
  msr_bitmap = 0x2004,
  exit_msr_store = 0x2006,
  exit_msr_load = 0x2008,
  entry_msr_load = 0x200A,
  tsc_offset = 0x2010,
  virtual_apic_page = 0x2012,
  apic_access_page = 0x2014,
  posted_interrupt_descriptor = 0x2016,
  vm_function_controls = 0x2018,
  ept_pointer = 0x201A,
  eoi_exit_bitmap0 = 0x201C,
  eoi_exit_bitmap1 = 0x201E,
  eoi_exit_bitmap2 = 0x2020,
  eoi_exit_bitmap3 = 0x2022,
  xss_exiting_bitmap = 0x202C,
  guest_physical_address = 0x2400,  // read-only
  vmcs_link_pointer = 0x2800,
  guest_debugctl = 0x2802,
  guest_pat = 0x2804,
  guest_efer = 0x2806,
  guest_perf_global_ctrl = 0x2808,
  guest_pdpte0 = 0x280A, guest_pdpte1 = 0x280C, guest_pdpte2 = 0x280E, guest_pdpte3 = 0x2810,
  host_pat = 0x2C00,
  host_efer = 0x2C02,
  host_perf_global_ctrl = 0x2C04,
};

// B.3: 32-bit fields.
enum class Vmcs32 : u32 {
  pin_controls = 0x4000,
  proc_controls = 0x4002,
  exception_bitmap = 0x4004,
  page_fault_error_mask = 0x4006,
  page_fault_error_match = 0x4008,
  cr3_target_count = 0x400A,
  exit_controls = 0x400C,
  exit_msr_store_count = 0x400E,
  exit_msr_load_count = 0x4010,
  entry_controls = 0x4012,
  entry_msr_load_count = 0x4014,
  entry_interruption_info = 0x4016,
  entry_exception_error_code = 0x4018,
  entry_instruction_length = 0x401A,
  tpr_threshold = 0x401C,
  proc_controls2 = 0x401E,
  ple_gap = 0x4020,
  ple_window = 0x4022,
  // Read-only data fields.
  vm_instruction_error = 0x4400,
  exit_reason = 0x4402,
  exit_interruption_info = 0x4404,
  exit_interruption_error_code = 0x4406,
  idt_vectoring_info = 0x4408,
  idt_vectoring_error_code = 0x440A,
  exit_instruction_length = 0x440C,
  exit_instruction_info = 0x440E,
  // Guest state.
  guest_es_limit = 0x4800, guest_cs_limit = 0x4802, guest_ss_limit = 0x4804, guest_ds_limit = 0x4806,
  guest_fs_limit = 0x4808, guest_gs_limit = 0x480A, guest_ldtr_limit = 0x480C, guest_tr_limit = 0x480E,
  guest_gdtr_limit = 0x4810, guest_idtr_limit = 0x4812,
  guest_es_access = 0x4814, guest_cs_access = 0x4816, guest_ss_access = 0x4818, guest_ds_access = 0x481A,
  guest_fs_access = 0x481C, guest_gs_access = 0x481E, guest_ldtr_access = 0x4820, guest_tr_access = 0x4822,
  guest_interruptibility = 0x4824,
  guest_activity_state = 0x4826,
  guest_smbase = 0x4828,
  guest_sysenter_cs = 0x482A,
  guest_preemption_timer = 0x482E,
  host_sysenter_cs = 0x4C00,
};

// B.4: natural-width fields.
enum class VmcsNat : u32 {
  cr0_guest_host_mask = 0x6000,
  cr4_guest_host_mask = 0x6002,
  cr0_read_shadow = 0x6004,
  cr4_read_shadow = 0x6006,
  cr3_target0 = 0x6008,
  // Read-only data fields.
  exit_qualification = 0x6400,
  io_rcx = 0x6402,
  io_rsi = 0x6404,
  io_rdi = 0x6406,
  io_rip = 0x6408,
  guest_linear_address = 0x640A,
  // Guest state.
  guest_cr0 = 0x6800, guest_cr3 = 0x6802, guest_cr4 = 0x6804,
  guest_es_base = 0x6806, guest_cs_base = 0x6808, guest_ss_base = 0x680A, guest_ds_base = 0x680C,
  guest_fs_base = 0x680E, guest_gs_base = 0x6810, guest_ldtr_base = 0x6812, guest_tr_base = 0x6814,
  guest_gdtr_base = 0x6816, guest_idtr_base = 0x6818,
  guest_dr7 = 0x681A, guest_rsp = 0x681C, guest_rip = 0x681E, guest_rflags = 0x6820,
  guest_pending_debug = 0x6822, guest_sysenter_esp = 0x6824, guest_sysenter_eip = 0x6826,
  // Host state.
  host_cr0 = 0x6C00, host_cr3 = 0x6C02, host_cr4 = 0x6C04,
  host_fs_base = 0x6C06, host_gs_base = 0x6C08, host_tr_base = 0x6C0A,
  host_gdtr_base = 0x6C0C, host_idtr_base = 0x6C0E,
  host_sysenter_esp = 0x6C10, host_sysenter_eip = 0x6C12,
  host_rsp = 0x6C14, host_rip = 0x6C16,
};

// The width an encoding declares in bits 14:13 (SDM Vol. 3C 25.11.2):
// 0 = 16-bit, 1 = 64-bit, 2 = 32-bit, 3 = natural. Checked at compile time
// for every enumerator in vmcs_fields.cpp.
constexpr u32 encoding_width(u32 encoding) { return (encoding >> 13) & 3; }

const char* field_name(u32 encoding);

}  // namespace nucleo::vmx

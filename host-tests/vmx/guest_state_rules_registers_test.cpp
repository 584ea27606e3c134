// SPDX-License-Identifier: MIT
// SDM Vol. 3C 27.3.1.1 (control registers, debug registers, MSRs), 27.3.1.3
// (GDTR, IDTR), 27.3.1.4 (RIP, RFLAGS) and 27.3.1.6 (PDPTEs), one rule per row.
// Each row starts from a valid guest state (guest_states.hpp), breaks one
// rule and expects the checker to name that field, that rule and the section.
#include <gtest/gtest.h>

#include "host-tests/vmx/guest_states.hpp"

namespace nucleo::vmx {
namespace {

using namespace guest_states;
using Nat = VmcsNat;
using V32 = Vmcs32;
using V64 = Vmcs64;

constexpr const char* k1 = "27.3.1.1";
constexpr const char* k3 = "27.3.1.3";
constexpr const char* k4 = "27.3.1.4";
constexpr const char* k6 = "27.3.1.6";

const Broken kRows[] = {
    // 27.3.1.1: control registers, debug registers, MSRs.
    {"CR0.NE clear", kLong, [](Guest& s) { s.toggle(Nat::guest_cr0, 0x20); }, "GUEST_CR0", "IA32_VMX_CR0_FIXED0", k1},
    {"CR0.PE clear without unrestricted guest", kLong, [](Guest& s) { s.toggle(Nat::guest_cr0, 1); }, "GUEST_CR0",
     "IA32_VMX_CR0_FIXED0", k1},
    {"CR0 bit 32", kLong, [](Guest& s) { s.toggle(Nat::guest_cr0, u64{1} << 32); }, "GUEST_CR0", "IA32_VMX_CR0_FIXED1",
     k1},
    {"CR0.PG without PE (unrestricted)", kReal, [](Guest& s) { s.set(Nat::guest_cr0, 0x80000030); }, "GUEST_CR0",
     "CR0.PG = 1 requires CR0.PE = 1", k1},
    {"CR4.VMXE clear", kLong, [](Guest& s) { s.toggle(Nat::guest_cr4, 0x2000); }, "GUEST_CR4", "IA32_VMX_CR4_FIXED0",
     k1},
    {"CR4.LA57 unsupported", kLong, [](Guest& s) { s.toggle(Nat::guest_cr4, 0x1000); }, "GUEST_CR4",
     "IA32_VMX_CR4_FIXED1", k1},
    {"CR4.CET without CR0.WP", kLong,
     [](Guest& s) {
       s.caps.cr4_fixed1 |= 1u << 23;
       s.toggle(Nat::guest_cr4, 1u << 23);
       s.toggle(Nat::guest_cr0, 1u << 16);
     },
     "GUEST_CR4", "CR4.CET = 1 requires CR0.WP = 1", k1},
    {"DEBUGCTL bit 3", kLong, [](Guest& s) { s.set(V64::guest_debugctl, 8); }, "GUEST_IA32_DEBUGCTL",
     "reserved bits 5:3 and 63:16", k1},
    {"DEBUGCTL bit 16", kLong, [](Guest& s) { s.set(V64::guest_debugctl, 0x10000); }, "GUEST_IA32_DEBUGCTL",
     "reserved bits 5:3 and 63:16", k1},
    {"IA-32e mode without CR4.PAE", kLong, [](Guest& s) { s.toggle(Nat::guest_cr4, 0x20); }, "GUEST_CR4",
     "CR4.PAE must be 1 for an IA-32e mode guest", k1},
    {"IA-32e mode without paging (unrestricted)", kLong,
     [](Guest& s) {
       s.set(V32::proc_controls2, 0xA2);
       s.toggle(Nat::guest_cr0, 0x80000000);
     },
     "GUEST_CR0", "CR0.PG must be 1 for an IA-32e mode guest", k1},
    {"CR4.PCIDE outside IA-32e mode", kReal, [](Guest& s) { s.toggle(Nat::guest_cr4, 0x20000); }, "GUEST_CR4",
     "CR4.PCIDE must be 0", k1},
    {"CR3 beyond a 39-bit physical-address width", kLong,
     [](Guest& s) {
       s.env.phys_addr_width = 39;
       s.set(Nat::guest_cr3, (u64{1} << 39) | 0x1000);
     },
     "GUEST_CR3", "physical-address width", k1},
    {"CR3 bit 63", kLong, [](Guest& s) { s.toggle(Nat::guest_cr3, u64{1} << 63); }, "GUEST_CR3",
     "physical-address width", k1},
    {"DR7 bit 32", kLong, [](Guest& s) { s.toggle(Nat::guest_dr7, u64{1} << 32); }, "GUEST_DR7", "bits 63:32", k1},
    {"SYSENTER_ESP non-canonical", kLong, [](Guest& s) { s.set(Nat::guest_sysenter_esp, kNonCanonical); },
     "GUEST_SYSENTER_ESP", "canonical", k1},
    {"SYSENTER_EIP non-canonical", kLong, [](Guest& s) { s.set(Nat::guest_sysenter_eip, 0xffff7fffffffffff); },
     "GUEST_SYSENTER_EIP", "canonical", k1},
    {"PAT entry 2", kLong, [](Guest& s) { s.set(V64::guest_pat, 0x0007040600070402); }, "GUEST_IA32_PAT",
     "0, 1, 4, 5, 6 or 7", k1},
    {"PAT entry 8", kLong, [](Guest& s) { s.set(V64::guest_pat, 0x0807040600070406); }, "GUEST_IA32_PAT",
     "0, 1, 4, 5, 6 or 7", k1},
    {"EFER bit 1", kLong, [](Guest& s) { s.set(V64::guest_efer, 0xD03); }, "GUEST_IA32_EFER", "reserved bits", k1},
    {"EFER.LMA clear in IA-32e mode", kLong, [](Guest& s) { s.set(V64::guest_efer, 0x901); }, "GUEST_IA32_EFER",
     "EFER.LMA must equal the IA-32e mode guest", k1},
    {"EFER.LMA set outside IA-32e mode", kReal, [](Guest& s) { s.set(V64::guest_efer, 0x400); }, "GUEST_IA32_EFER",
     "EFER.LMA must equal the IA-32e mode guest", k1},
    {"EFER.LME clear with LMA and paging", kLong, [](Guest& s) { s.set(V64::guest_efer, 0xC01); }, "GUEST_IA32_EFER",
     "EFER.LME must equal EFER.LMA", k1},

    // 27.3.1.3: GDTR and IDTR.
    {"GDTR base non-canonical", kLong, [](Guest& s) { s.set(Nat::guest_gdtr_base, kNonCanonical); }, "GUEST_GDTR_BASE",
     "canonical", k3},
    {"IDTR base non-canonical", kLong, [](Guest& s) { s.set(Nat::guest_idtr_base, 0x0123456789abcdef); },
     "GUEST_IDTR_BASE", "canonical", k3},
    {"GDTR limit 0x10000", kLong, [](Guest& s) { s.set(V32::guest_gdtr_limit, 0x10000); }, "GUEST_GDTR_LIMIT",
     "bits 31:16", k3},
    {"IDTR limit 0xFFFFFFFF", kReal, [](Guest& s) { s.set(V32::guest_idtr_limit, 0xFFFFFFFF); }, "GUEST_IDTR_LIMIT",
     "bits 31:16", k3},

    // 27.3.1.4: RIP and RFLAGS.
    {"RIP non-canonical in 64-bit mode", kLong, [](Guest& s) { s.set(Nat::guest_rip, kNonCanonical); }, "GUEST_RIP",
     "canonical", k4},
    {"RIP 57-bit with 48-bit linear addresses", kLong, [](Guest& s) { s.set(Nat::guest_rip, 0x00ff800000000000); },
     "GUEST_RIP", "canonical", k4},
    {"RIP above 4 GiB in compatibility mode", kLong,
     [](Guest& s) {
       s.ar(CS, 0xC09B);
       s.set(Nat::guest_rip, u64{1} << 32);
     },
     "GUEST_RIP", "bits 63:32", k4},
    {"RIP above 4 GiB in real mode", kReal, [](Guest& s) { s.set(Nat::guest_rip, 0x10000FFF0); }, "GUEST_RIP",
     "bits 63:32", k4},
    {"RFLAGS bit 22", kLong, [](Guest& s) { s.set(Nat::guest_rflags, 0x400002); }, "GUEST_RFLAGS", "63:22", k4},
    {"RFLAGS bit 63", kLong, [](Guest& s) { s.set(Nat::guest_rflags, 0x8000000000000002); }, "GUEST_RFLAGS", "63:22",
     k4},
    {"RFLAGS bit 3", kLong, [](Guest& s) { s.set(Nat::guest_rflags, 0xA); }, "GUEST_RFLAGS", "15, 5 and 3", k4},
    {"RFLAGS bit 5", kLong, [](Guest& s) { s.set(Nat::guest_rflags, 0x22); }, "GUEST_RFLAGS", "15, 5 and 3", k4},
    {"RFLAGS bit 15", kLong, [](Guest& s) { s.set(Nat::guest_rflags, 0x8002); }, "GUEST_RFLAGS", "15, 5 and 3", k4},
    {"RFLAGS bit 1 clear", kLong, [](Guest& s) { s.set(Nat::guest_rflags, 0); }, "GUEST_RFLAGS", "bit 1 must be 1", k4},
    {"RFLAGS.VM in real mode", kReal,
     [](Guest& s) {
       for (Seg g : {CS, SS, DS, ES, FS, GS}) s.ar(g, 0xF3);
       s.set(Nat::guest_rflags, 0x20002);
     },
     "GUEST_RFLAGS", "RFLAGS.VM must be 0", k4},
    {"RFLAGS.VM in IA-32e mode", kV86,
     [](Guest& s) {
       s.toggle(V32::entry_controls, entry_ctl::kIa32eModeGuest);
       s.set(Nat::guest_cr0, 0x80000031);
       s.set(Nat::guest_cr4, 0x2020);
       s.set(V64::guest_efer, 0x500);
     },
     "GUEST_RFLAGS", "RFLAGS.VM must be 0", k4},
    {"external interrupt injected with IF clear", kLong,
     [](Guest& s) { s.set(V32::entry_interruption_info, 0x80000020); }, "GUEST_RFLAGS", "RFLAGS.IF must be 1", k4},

    // 27.3.1.6: PDPTEs of a PAE guest with EPT.
    {"PDPTE2 with bit 1", kPae32, [](Guest& s) { s.set(V64::guest_pdpte2, 0x6003); }, "GUEST_PDPTE2", "present PDPTE",
     k6},
    {"PDPTE3 with bit 5", kPae32, [](Guest& s) { s.set(V64::guest_pdpte3, 0x7021); }, "GUEST_PDPTE3", "present PDPTE",
     k6},
    {"PDPTE0 beyond a 36-bit physical-address width", kPae32,
     [](Guest& s) {
       s.env.phys_addr_width = 36;
       s.set(V64::guest_pdpte0, (u64{1} << 36) | 1);
     },
     "GUEST_PDPTE0", "present PDPTE", k6},
};

TEST(GuestStateRules, GivenOneBrokenRegisterRuleWhenCheckedThenThatFieldAndRuleNamed) { expect_each_rule_named(kRows); }

}  // namespace
}  // namespace nucleo::vmx

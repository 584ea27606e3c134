// SPDX-License-Identifier: MIT
// SDM Vol. 3C 27.3.1.5 (activity state, interruptibility state, pending debug
// exceptions, VMCS link pointer), one rule per row.
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

constexpr const char* k5 = "27.3.1.5";

void user_mode(Guest& s) {  // CPL 3 segments of a 64-bit guest
  s.seg(CS, 0x2B, 0, 0xFFFFFFFF, 0xA0FB);
  for (Seg g : {SS, DS, ES}) s.seg(g, 0x23, 0, 0xFFFFFFFF, 0xC0F3);
}

const Broken kRows[] = {
    // 27.3.1.5: activity state.
    {"activity state 4", kLong, [](Guest& s) { s.set(V32::guest_activity_state, 4); }, "GUEST_ACTIVITY_STATE", "0-3",
     k5},
    {"HLT not supported", kLong,
     [](Guest& s) {
       s.caps.misc &= ~u64{0x40};
       s.set(V32::guest_activity_state, 1);
     },
     "GUEST_ACTIVITY_STATE", "not supported by this CPU", k5},
    {"wait-for-SIPI not supported", kLong,
     [](Guest& s) {
       s.caps.misc &= ~u64{0x100};
       s.set(V32::guest_activity_state, 3);
     },
     "GUEST_ACTIVITY_STATE", "not supported by this CPU", k5},
    {"HLT at CPL 3", kLong,
     [](Guest& s) {
       user_mode(s);
       s.set(V32::guest_activity_state, 1);
     },
     "GUEST_ACTIVITY_STATE", "HLT activity state requires SS.DPL = 0", k5},
    {"shutdown under MOV-SS blocking", kLong,
     [](Guest& s) {
       s.set(V32::guest_activity_state, 2);
       s.set(V32::guest_interruptibility, 2);
     },
     "GUEST_ACTIVITY_STATE", "must be active under blocking by STI or MOV-SS", k5},
    {"HLT with #GP injected", kLong,
     [](Guest& s) {
       s.set(V32::guest_activity_state, 1);
       s.set(V32::entry_interruption_info, 0x80000B0D);
     },
     "GUEST_ACTIVITY_STATE", "blocked in this activity state", k5},
    {"shutdown with an external interrupt injected", kLong,
     [](Guest& s) {
       s.set(Nat::guest_rflags, 0x202);
       s.set(V32::guest_activity_state, 2);
       s.set(V32::entry_interruption_info, 0x80000020);
     },
     "GUEST_ACTIVITY_STATE", "blocked in this activity state", k5},
    {"wait-for-SIPI with an NMI injected", kLong,
     [](Guest& s) {
       s.set(V32::guest_activity_state, 3);
       s.set(V32::entry_interruption_info, 0x80000202);
     },
     "GUEST_ACTIVITY_STATE", "blocked in this activity state", k5},
    {"wait-for-SIPI with entry to SMM", kLong,
     [](Guest& s) {
       s.set(V32::guest_activity_state, 3);
       s.toggle(V32::entry_controls, 1u << 10);
     },
     "GUEST_ACTIVITY_STATE", "entry-to-SMM", k5},

    // 27.3.1.5: interruptibility state.
    {"interruptibility bit 5", kLong, [](Guest& s) { s.set(V32::guest_interruptibility, 0x20); },
     "GUEST_INTERRUPTIBILITY_STATE", "reserved bits 31:5", k5},
    {"blocking by STI and MOV-SS", kLong,
     [](Guest& s) {
       s.set(Nat::guest_rflags, 0x202);
       s.set(V32::guest_interruptibility, 3);
     },
     "GUEST_INTERRUPTIBILITY_STATE", "cannot both be 1", k5},
    {"blocking by STI with IF clear", kLong, [](Guest& s) { s.set(V32::guest_interruptibility, 1); },
     "GUEST_INTERRUPTIBILITY_STATE", "requires RFLAGS.IF = 1", k5},
    {"MOV-SS blocking with an external interrupt injected", kLong,
     [](Guest& s) {
       s.set(Nat::guest_rflags, 0x202);
       s.set(V32::guest_interruptibility, 2);
       s.set(V32::entry_interruption_info, 0x80000020);
     },
     "GUEST_INTERRUPTIBILITY_STATE", "when injecting an external interrupt", k5},
    {"MOV-SS blocking with an NMI injected", kLong,
     [](Guest& s) {
       s.set(V32::guest_interruptibility, 2);
       s.set(V32::entry_interruption_info, 0x80000202);
     },
     "GUEST_INTERRUPTIBILITY_STATE", "when injecting an NMI", k5},
    {"SMI blocking outside SMM", kLong, [](Guest& s) { s.set(V32::guest_interruptibility, 4); },
     "GUEST_INTERRUPTIBILITY_STATE", "outside SMM", k5},
    {"entry to SMM without SMI blocking", kLong,
     [](Guest& s) {
       s.env.in_smm = true;
       s.toggle(V32::entry_controls, 1u << 10);
     },
     "GUEST_INTERRUPTIBILITY_STATE", "must be 1 with the entry-to-SMM control", k5},
    {"NMI blocking while injecting an NMI with virtual NMIs", kLong,
     [](Guest& s) {
       s.set(V32::pin_controls, 0x16 | pin::kNmiExiting | pin::kVirtualNmis);
       s.set(V32::guest_interruptibility, 8);
       s.set(V32::entry_interruption_info, 0x80000202);
     },
     "GUEST_INTERRUPTIBILITY_STATE", "blocking by NMI must be 0", k5},
    {"enclave interruption with MOV-SS blocking", kLong, [](Guest& s) { s.set(V32::guest_interruptibility, 0x12); },
     "GUEST_INTERRUPTIBILITY_STATE", "enclave interruption", k5},

    // 27.3.1.5: pending debug exceptions.
    {"pending debug bit 4", kLong, [](Guest& s) { s.set(Nat::guest_pending_debug, 0x10); },
     "GUEST_PENDING_DEBUG_EXCEPTIONS", "bits 11:4, 13, 15 and 63:17", k5},
    {"pending debug bit 13", kLong, [](Guest& s) { s.set(Nat::guest_pending_debug, 0x2000); },
     "GUEST_PENDING_DEBUG_EXCEPTIONS", "bits 11:4, 13, 15 and 63:17", k5},
    {"pending debug bit 17", kLong, [](Guest& s) { s.set(Nat::guest_pending_debug, 0x20000); },
     "GUEST_PENDING_DEBUG_EXCEPTIONS", "bits 11:4, 13, 15 and 63:17", k5},
    {"STI blocking, TF set, BS clear", kLong,
     [](Guest& s) {
       s.set(Nat::guest_rflags, 0x302);
       s.set(V32::guest_interruptibility, 1);
     },
     "GUEST_PENDING_DEBUG_EXCEPTIONS", "BS (bit 14) must be 1", k5},
    {"HLT, TF clear, BS set", kLong,
     [](Guest& s) {
       s.set(V32::guest_activity_state, 1);
       s.set(Nat::guest_pending_debug, 0x4000);
     },
     "GUEST_PENDING_DEBUG_EXCEPTIONS", "BS (bit 14) must be 0", k5},
    {"MOV-SS blocking, TF and BTF set, BS set", kLong,
     [](Guest& s) {
       s.set(Nat::guest_rflags, 0x102);
       s.set(V32::guest_interruptibility, 2);
       s.set(V64::guest_debugctl, 2);
       s.set(Nat::guest_pending_debug, 0x4000);
     },
     "GUEST_PENDING_DEBUG_EXCEPTIONS", "BS (bit 14) must be 0", k5},
    {"RTM without enabled breakpoint", kLong, [](Guest& s) { s.set(Nat::guest_pending_debug, 0x10000); },
     "GUEST_PENDING_DEBUG_EXCEPTIONS", "with RTM (bit 16) set", k5},
    {"RTM with B0", kLong, [](Guest& s) { s.set(Nat::guest_pending_debug, 0x11001); }, "GUEST_PENDING_DEBUG_EXCEPTIONS",
     "with RTM (bit 16) set", k5},
    {"RTM under MOV-SS blocking", kLong,
     [](Guest& s) {
       s.set(Nat::guest_pending_debug, 0x11000);
       s.set(V32::guest_interruptibility, 2);
     },
     "GUEST_PENDING_DEBUG_EXCEPTIONS", "requires no blocking by MOV-SS", k5},

    // 27.3.1.5: VMCS link pointer.
    {"link pointer without VMCS shadowing", kLong, [](Guest& s) { s.set(V64::vmcs_link_pointer, 0x1000); },
     "VMCS_LINK_POINTER", "FFFFFFFF_FFFFFFFFH", k5},
    {"link pointer 0", kReal, [](Guest& s) { s.set(V64::vmcs_link_pointer, 0); }, "VMCS_LINK_POINTER",
     "FFFFFFFF_FFFFFFFFH", k5},
    {"misaligned link pointer", kLong,
     [](Guest& s) {
       s.set(V32::proc_controls2, 0x22 | proc2::kVmcsShadowing);
       s.set(V64::vmcs_link_pointer, 0x5008);
     },
     "VMCS_LINK_POINTER", "bits 11:0", k5},
    {"link pointer beyond the physical-address width", kLong,
     [](Guest& s) {
       s.env.phys_addr_width = 39;
       s.set(V32::proc_controls2, 0x22 | proc2::kVmcsShadowing);
       s.set(V64::vmcs_link_pointer, u64{1} << 39);
     },
     "VMCS_LINK_POINTER", "physical-address width", k5},
};

TEST(GuestStateRules, GivenOneBrokenNonRegisterRuleWhenCheckedThenThatFieldAndRuleNamed) {
  expect_each_rule_named(kRows);
}

}  // namespace
}  // namespace nucleo::vmx

// SPDX-License-Identifier: MIT
// The guest-state checker against SDM Vol. 3C 27.3.1: the four valid guest
// states of guest_states.hpp and variations of them pass and are not
// written to. (guest_state_rules_*_test.cpp break them one rule at a time.)
#include "vmx/core/guest_state_check.hpp"

#include <gtest/gtest.h>

#include <functional>
#include <string>

#include "host-tests/vmx/guest_states.hpp"

namespace nucleo::vmx {
namespace {

using namespace guest_states;

TEST(FakeVmcs, GivenFieldsWhenReadWrittenAndFailedThenMapSemantics) {
  FakeVmcs v;
  EXPECT_EQ(v.read(Vmcs32::exit_reason), 0u);  // never written: 0
  EXPECT_TRUE(v.write(VmcsNat::guest_rip, 0x1000).ok());
  EXPECT_TRUE(v.write(Vmcs16::guest_cs, 0x08).ok());
  v.fail_writes_to(Vmcs64::guest_efer);
  const Error e = v.write(Vmcs64::guest_efer, 0x500);
  EXPECT_EQ(e.status, Status::unsupported);
  EXPECT_EQ(e.offset, FakeVmcs::code(Vmcs64::guest_efer));
  EXPECT_FALSE(v.has(Vmcs64::guest_efer));
  EXPECT_EQ(v.failed_writes(), 1u);
  EXPECT_EQ(v.write_order(), (std::vector<u32>{0x681E, 0x0802}));
  EXPECT_EQ(v.read(VmcsNat::guest_rip), 0x1000u);
  v.set(Vmcs32::guest_cs_access, 0xA09B);  // set() does not count as a write
  EXPECT_EQ(v.writes().size(), 2u);
}

TEST(GuestStateCheck, GivenValidStatesWhenCheckedThenOkAndNothingWritten) {
  for (Base b : {kLong, kReal, kV86, kPae32}) {
    SCOPED_TRACE(b);
    Guest s;
    prepare(s, b);
    const GuestStateProblem p = s.check();
    EXPECT_TRUE(p.ok) << p.field << ": " << p.rule << " (value " << std::hex << p.value << ")";
    EXPECT_TRUE(s.vmcs.writes().empty());
  }
}

struct Variation {
  const char* name;
  Base base;
  std::function<void(Guest&)> change;
};

TEST(GuestStateCheck, GivenValidVariationsWhenCheckedThenOk) {
  const Variation rows[] = {
      {"SMI blocking inside SMM", kLong,
       [](Guest& s) {
         s.set(Vmcs32::guest_interruptibility, 4);
         s.env.in_smm = true;
       }},
      {"HLT with an external interrupt injected", kLong,
       [](Guest& s) {
         s.set(Vmcs32::guest_activity_state, 1);
         s.set(Vmcs32::entry_interruption_info, 0x80000030);
         s.set(VmcsNat::guest_rflags, 0x202);
       }},
      {"HLT with pending MTF injected", kLong,
       [](Guest& s) {
         s.set(Vmcs32::guest_activity_state, 1);
         s.set(Vmcs32::entry_interruption_info, 0x80000700);
       }},
      {"shutdown with #MC injected", kLong,
       [](Guest& s) {
         s.set(Vmcs32::guest_activity_state, 2);
         s.set(Vmcs32::entry_interruption_info, 0x80000312);
       }},
      {"valid RTM pending debug exception", kLong, [](Guest& s) { s.set(VmcsNat::guest_pending_debug, 0x11000); }},
      {"STI blocking with single-step pending", kLong,
       [](Guest& s) {
         s.set(VmcsNat::guest_rflags, 0x302);
         s.set(Vmcs32::guest_interruptibility, 1);
         s.set(VmcsNat::guest_pending_debug, 0x4000);
       }},
      {"link pointer with VMCS shadowing", kLong,
       [](Guest& s) {
         s.set(Vmcs32::proc_controls2, 0x22 | proc2::kVmcsShadowing);
         s.set(Vmcs64::vmcs_link_pointer, 0x5000);
       }},
      {"unusable ES with a high base", kLong, [](Guest& s) { s.seg(ES, 0, 0xffff800000000000, 0, 0x10000); }},
      {"unusable SS in 64-bit mode", kLong, [](Guest& s) { s.seg(SS, 0, 0, 0, 0x10000); }},
      {"conforming CS below SS DPL", kLong, [](Guest& s) { s.ar(CS, 0xA09F); }},
      {"unrestricted CS type 3", kReal, [](Guest& s) { s.ar(CS, 0x93); }},
      {"no load debug controls: DR7 high bits ignored", kLong,
       [](Guest& s) {
         s.set(Vmcs32::entry_controls, 0x11fb | entry_ctl::kIa32eModeGuest | entry_ctl::kLoadEfer);
         s.set(VmcsNat::guest_dr7, u64{1} << 40);
       }},
      {"no load EFER: EFER not checked", kLong,
       [](Guest& s) {
         s.set(Vmcs32::entry_controls, 0x11ff | entry_ctl::kIa32eModeGuest);
         s.set(Vmcs64::guest_efer, 0xFFFF);
       }},
      {"compatibility mode", kLong,
       [](Guest& s) {
         s.ar(CS, 0xC09B);
         s.set(VmcsNat::guest_rip, 0x1000);
       }},
      {"non-present PDPTE with reserved bits", kPae32, [](Guest& s) { s.set(Vmcs64::guest_pdpte2, 0x1E6); }},
      {"5-level paging RIP", kLong,
       [](Guest& s) {
         s.env.linear_addr_width = 57;
         s.set(VmcsNat::guest_rip, 0x00ff800000000000);
       }},
  };
  for (const Variation& row : rows) {
    SCOPED_TRACE(row.name);
    Guest s;
    prepare(s, row.base);
    row.change(s);
    const GuestStateProblem p = s.check();
    EXPECT_TRUE(p.ok) << p.field << ": " << p.rule << " (value " << std::hex << p.value << ")";
  }
}

TEST(GuestStateCheck, GivenBrokenFieldWhenCheckedThenValueIsThatField) {
  Guest s;
  s.long_mode();
  s.ar(CS, 0xA093);
  const GuestStateProblem p = s.check();
  EXPECT_STREQ(p.field, "GUEST_CS_ACCESS_RIGHTS");
  EXPECT_STREQ(p.rule, "CS type must be 9, 11, 13 or 15 (accessed code) when not unrestricted");
  EXPECT_EQ(p.value, 0xA093u);
}

}  // namespace
}  // namespace nucleo::vmx

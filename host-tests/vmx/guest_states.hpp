// SPDX-License-Identifier: MIT
// Valid guest states for the guest-state checker tests (SDM Vol. 3C
// 27.3.1): a 64-bit kernel, an unrestricted real-mode guest at the reset
// vector, a virtual-8086 guest and a 32-bit PAE guest with EPT, all in a
// FakeVmcs, with the capabilities of a real CPU.
#pragma once

#include <gtest/gtest.h>

#include <functional>
#include <initializer_list>
#include <string>

#include "host-tests/support/fake_vmcs.hpp"
#include "vmx/core/guest_state_check.hpp"

namespace nucleo::vmx::guest_states {

using fake::FakeVmcs;

// IA32_VMX_* of an Intel Core i7-6700K (Skylake), as recorded in VirtualBox's
// CPU database (src/VBox/VMM/VMMR3/cpus/Intel_Core_i7_6700K.h).
inline VmxCapabilities skylake() {
  VmxCapabilities c;
  c.basic = 0x00da040000000004;
  c.pin = 0x0000007f00000016;
  c.proc = 0xfff9fffe04006172;
  c.proc2 = 0x001ffcff00000000;
  c.exit = 0x01ffffff00036dfb;
  c.entry = 0x0003ffff000011fb;
  c.misc = 0x7004c1e7;
  c.cr0_fixed0 = 0x80000021;
  c.cr0_fixed1 = 0xffffffff;
  c.cr4_fixed0 = 0x2000;
  c.cr4_fixed1 = 0x3727ff;
  c.ept_vpid = 0xf0106334141;
  c.vmfunc = 1;
  return c;
}

enum Seg { CS, SS, DS, ES, FS, GS, TR, LDTR };
struct SegEnc {
  Vmcs16 sel;
  VmcsNat base;
  Vmcs32 limit, ar;
};
inline constexpr SegEnc kSeg[] = {
    {Vmcs16::guest_cs, VmcsNat::guest_cs_base, Vmcs32::guest_cs_limit, Vmcs32::guest_cs_access},
    {Vmcs16::guest_ss, VmcsNat::guest_ss_base, Vmcs32::guest_ss_limit, Vmcs32::guest_ss_access},
    {Vmcs16::guest_ds, VmcsNat::guest_ds_base, Vmcs32::guest_ds_limit, Vmcs32::guest_ds_access},
    {Vmcs16::guest_es, VmcsNat::guest_es_base, Vmcs32::guest_es_limit, Vmcs32::guest_es_access},
    {Vmcs16::guest_fs, VmcsNat::guest_fs_base, Vmcs32::guest_fs_limit, Vmcs32::guest_fs_access},
    {Vmcs16::guest_gs, VmcsNat::guest_gs_base, Vmcs32::guest_gs_limit, Vmcs32::guest_gs_access},
    {Vmcs16::guest_tr, VmcsNat::guest_tr_base, Vmcs32::guest_tr_limit, Vmcs32::guest_tr_access},
    {Vmcs16::guest_ldtr, VmcsNat::guest_ldtr_base, Vmcs32::guest_ldtr_limit, Vmcs32::guest_ldtr_access},
};

struct Guest {
  FakeVmcs vmcs;
  VmxCapabilities caps = skylake();
  GuestCheckEnv env;

  void seg(Seg s, u16 sel, u64 base, u32 limit, u32 ar) {
    vmcs.set(kSeg[s].sel, sel);
    vmcs.set(kSeg[s].base, base);
    vmcs.set(kSeg[s].limit, limit);
    vmcs.set(kSeg[s].ar, ar);
  }
  void ar(Seg s, u32 value) { vmcs.set(kSeg[s].ar, value); }
  void sel(Seg s, u16 value) { vmcs.set(kSeg[s].sel, value); }
  void base(Seg s, u64 value) { vmcs.set(kSeg[s].base, value); }
  void limit(Seg s, u32 value) { vmcs.set(kSeg[s].limit, value); }
  u64 get(VmcsNat f) { return vmcs.read(f); }
  void set(VmcsNat f, u64 v) { vmcs.set(f, v); }
  void set(Vmcs64 f, u64 v) { vmcs.set(f, v); }
  void set(Vmcs32 f, u32 v) { vmcs.set(f, v); }
  void toggle(Vmcs32 f, u32 bits) { vmcs.set(f, vmcs.read(f) ^ bits); }
  void toggle(VmcsNat f, u64 bits) { vmcs.set(f, vmcs.read(f) ^ bits); }

  // Controls: secondary controls on, EPT (+ unrestricted guest), load debug
  // controls, load IA32_PAT and IA32_EFER; the rest of the guest state as a
  // 64-bit kernel would have it.
  void long_mode() {
    vmcs.set(Vmcs32::pin_controls, 0x16);
    vmcs.set(Vmcs32::proc_controls, 0x84006172);
    vmcs.set(Vmcs32::proc_controls2, 0x22);  // EPT, VPID
    vmcs.set(Vmcs32::entry_controls, 0x11ff | entry_ctl::kIa32eModeGuest | entry_ctl::kLoadEfer | entry_ctl::kLoadPat);
    set(VmcsNat::guest_cr0, 0x80050033);
    set(VmcsNat::guest_cr3, 0x1000);
    set(VmcsNat::guest_cr4, 0x26A0);
    set(VmcsNat::guest_dr7, 0x400);
    set(Vmcs64::guest_efer, 0xD01);
    set(Vmcs64::guest_pat, 0x0007040600070406);
    seg(CS, 0x08, 0, 0xFFFFFFFF, 0xA09B);
    seg(SS, 0x10, 0, 0xFFFFFFFF, 0xC093);
    seg(DS, 0x10, 0, 0xFFFFFFFF, 0xC093);
    seg(ES, 0x10, 0, 0xFFFFFFFF, 0xC093);
    seg(FS, 0, 0x00007f0000001000, 0, 0x10000);
    seg(GS, 0, 0xffff888000000000, 0, 0x10000);
    seg(TR, 0x18, 0xffffffff80200000, 0x67, 0x8B);
    seg(LDTR, 0, 0, 0, 0x10000);
    set(VmcsNat::guest_gdtr_base, 0xffffffff80201000);
    set(Vmcs32::guest_gdtr_limit, 0x27);
    set(VmcsNat::guest_idtr_base, 0xffffffff80202000);
    set(Vmcs32::guest_idtr_limit, 0xFFF);
    set(VmcsNat::guest_rip, 0xffffffff80100000);
    set(VmcsNat::guest_rsp, 0xffffffff80110000);
    set(VmcsNat::guest_rflags, 0x2);
    set(Vmcs64::vmcs_link_pointer, ~u64{0});
  }
  // Unrestricted guest at the reset vector: CR0.PE = PG = 0.
  void real_mode() {
    vmcs.set(Vmcs32::pin_controls, 0x16);
    vmcs.set(Vmcs32::proc_controls, 0x84006172);
    vmcs.set(Vmcs32::proc_controls2, 0x82);  // EPT, unrestricted guest
    vmcs.set(Vmcs32::entry_controls, 0x11ff | entry_ctl::kLoadEfer);
    set(VmcsNat::guest_cr0, 0x30);
    set(VmcsNat::guest_cr4, 0x2000);
    seg(CS, 0xF000, 0xF0000, 0xFFFF, 0x9B);
    for (Seg s : {SS, DS, ES, FS, GS}) seg(s, 0, 0, 0xFFFF, 0x93);
    seg(TR, 0, 0, 0xFFFF, 0x8B);
    seg(LDTR, 0, 0, 0xFFFF, 0x82);  // usable, so its rules are checked too
    set(Vmcs32::guest_gdtr_limit, 0xFFFF);
    set(Vmcs32::guest_idtr_limit, 0xFFFF);
    set(VmcsNat::guest_rip, 0xFFF0);
    set(VmcsNat::guest_rflags, 0x2);
    set(Vmcs64::vmcs_link_pointer, ~u64{0});
  }
  // Virtual-8086 mode under protected mode without paging.
  void v86() {
    real_mode();
    set(VmcsNat::guest_cr0, 0x31);
    set(VmcsNat::guest_rflags, 0x20202);  // VM, IF
    seg(CS, 0x1234, 0x12340, 0xFFFF, 0xF3);
    for (Seg s : {SS, DS, ES, FS, GS}) seg(s, 0x2000, 0x20000, 0xFFFF, 0xF3);
  }
  // A 32-bit PAE kernel with EPT: VM entry loads the PDPTEs from the VMCS.
  void pae32() {
    real_mode();
    vmcs.set(Vmcs32::proc_controls2, 0x2);  // EPT only
    set(VmcsNat::guest_cr0, 0x80000031);
    set(VmcsNat::guest_cr3, 0x3000);
    set(VmcsNat::guest_cr4, 0x2020);
    seg(CS, 0x08, 0, 0xFFFFFFFF, 0xC09B);
    for (Seg s : {SS, DS, ES, FS, GS}) seg(s, 0x10, 0, 0xFFFFFFFF, 0xC093);
    seg(TR, 0x18, 0x5000, 0x67, 0x8B);
    seg(LDTR, 0, 0, 0, 0x10000);
    set(VmcsNat::guest_rip, 0xC0100000);
    set(Vmcs64::guest_pdpte0, 0x4001);
    set(Vmcs64::guest_pdpte1, 0x5001);
    set(Vmcs64::guest_pdpte2, 0);
    set(Vmcs64::guest_pdpte3, 0x7001);
  }
  GuestStateProblem check() { return check_guest_state(vmcs, caps, env); }
};

enum Base { kLong, kReal, kV86, kPae32 };
inline void prepare(Guest& s, Base b) {
  switch (b) {
    case kLong:
      s.long_mode();
      break;
    case kReal:
      s.real_mode();
      break;
    case kV86:
      s.v86();
      break;
    case kPae32:
      s.pae32();
      break;
  }
}

// One broken rule: start from a valid `base`, apply `change`, and expect
// the checker to name `field`, a rule containing `rule`, and SDM section `sdm`.
struct Broken {
  const char* name;
  Base base;
  std::function<void(Guest&)> change;
  const char* field;
  const char* rule;
  const char* sdm;
};

template <usize N>
void expect_each_rule_named(const Broken (&rows)[N]) {
  for (const Broken& row : rows) {
    SCOPED_TRACE(row.name);
    Guest s;
    prepare(s, row.base);
    if (!s.check().ok) {
      ADD_FAILURE() << "the base state must be valid";
      continue;
    }
    row.change(s);
    const GuestStateProblem p = s.check();
    if (p.ok) {
      ADD_FAILURE() << "the broken state passed";
      continue;
    }
    EXPECT_STREQ(p.field, row.field) << p.rule;
    EXPECT_NE(std::string(p.rule).find(row.rule), std::string::npos) << p.rule;
    EXPECT_STREQ(p.sdm, row.sdm);
    EXPECT_TRUE(s.vmcs.writes().empty());
  }
}

inline constexpr u64 kNonCanonical = 0x0000800000000000;

}  // namespace nucleo::vmx::guest_states

// SPDX-License-Identifier: MIT
// The vCPU start states (vmx/core/guest_state_init.cpp): 32-bit protected
// mode and real mode, written through VmcsAccess, are states that the
// guest-state checker (SDM Vol. 3C 27.3.1) accepts with the controls
// vmx/hw/vcpu.cpp computes, on every recorded CPU with unrestricted guest;
// a refused VMWRITE is reported and ends the writing.
#include "vmx/core/guest_state_init.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstddef>
#include <string>
#include <vector>

#include "host-tests/support/fake_vmcs.hpp"
#include "host-tests/support/vmx_caps_file.hpp"
#include "vmx/core/guest_state_check.hpp"

namespace nucleo::vmx {
namespace {

using fake::FakeVmcs;

const char* const kRecordings[] = {"bochs_corei7_haswell_4770.txt", "bochs_corei7_sandy_bridge_2600k.txt",
                                   "bochs_corei7_skylake_x.txt", "bochs_tigerlake.txt",
                                   "bochs_core2_penryn_t9600.txt"};

void write_controls(FakeVmcs& v, const VmxCapabilities& caps) {
  v.set(Vmcs32::pin_controls,
        compute_controls(caps.pin, pin::kExternalInterruptExiting | pin::kNmiExiting, pin::kVirtualNmis).value());
  v.set(Vmcs32::proc_controls,
        compute_controls(caps.proc, proc::kHltExiting | proc::kUseIoBitmaps | proc::kSecondaryControls, 0).value());
  v.set(Vmcs32::proc_controls2,
        compute_controls(caps.proc2, proc2::kEnableEpt | proc2::kUnrestrictedGuest, proc2::kEnableVpid).value());
  v.set(Vmcs32::entry_controls, compute_controls(caps.entry, entry_ctl::kLoadEfer, entry_ctl::kLoadPat).value());
}

GuestStart protected32() {
  GuestStart s;
  s.mode = GuestStart::Mode::protected32;
  s.rip = 0x100000;
  s.rsp = 0x90000;
  return s;
}
GuestStart long64() {  // the Linux 64-bit boot protocol's entry
  GuestStart s;
  s.mode = GuestStart::Mode::long64;
  s.rip = 0x1000200;
  s.rsp = 0x90000;
  s.code_sel = 0x10;
  s.data_sel = 0x18;
  s.cr3 = 0x93000;
  s.gdtr_base = 0x92000;
  s.gdtr_limit = 31;
  return s;
}
GuestStart real_at(u16 cs) {
  GuestStart s;
  s.mode = GuestStart::Mode::real;
  s.real_cs = cs;
  s.rip = 0xFFF0;
  return s;
}

TEST(GuestStateInit, GivenEachRecordedCpuWithUnrestrictedGuestWhenStartStatesWrittenThenTheCheckerAcceptsThem) {
  int checked = 0;
  for (const char* recording : kRecordings) {
    const VmxCapabilities caps = test::load_vmx_caps(recording);
    if (!caps.has_unrestricted_guest()) continue;  // nucleo requires it (vmx/hw/vcpu.cpp)
    for (const GuestStart& start : {protected32(), real_at(0xF000), real_at(0x9A00), long64()}) {
      SCOPED_TRACE(std::string(recording) + " mode " + std::to_string(static_cast<int>(start.mode)));
      FakeVmcs v;
      write_controls(v, caps);
      const Error e = write_guest_state(v, caps, start);
      ASSERT_TRUE(e.ok()) << e.what;
      const GuestStateProblem p = check_guest_state(v, caps);
      EXPECT_TRUE(p.ok) << p.field << ": " << p.rule << " (value 0x" << std::hex << p.value << ")";
      ++checked;
    }
  }
  EXPECT_GE(checked, 16);
}

TEST(GuestStateInit, GivenProtected32WhenWrittenThenFlatSegmentsPeWithVmxFixedBitsAndTheStartRipRsp) {
  const VmxCapabilities caps = test::haswell_caps();
  FakeVmcs v;
  ASSERT_TRUE(write_guest_state(v, caps, protected32()).ok());
  EXPECT_EQ(v.read(VmcsNat::cr0_read_shadow), 0x11u);
  EXPECT_EQ(v.read(VmcsNat::guest_cr0), 0x31u);  // + NE, which VMX requires
  EXPECT_EQ(v.read(VmcsNat::guest_cr4), 0x2000u);
  EXPECT_EQ(v.read(VmcsNat::cr4_read_shadow), 0u);
  EXPECT_EQ(v.read(VmcsNat::guest_rip), 0x100000u);
  EXPECT_EQ(v.read(VmcsNat::guest_rsp), 0x90000u);
  EXPECT_EQ(v.read(VmcsNat::guest_rflags), 0x2u);
  EXPECT_EQ(v.read(Vmcs16::guest_cs), 0x08u);
  EXPECT_EQ(v.read(Vmcs32::guest_cs_access), 0xC09Bu);
  EXPECT_EQ(v.read(Vmcs32::guest_cs_limit), 0xFFFFFFFFu);
  EXPECT_EQ(v.read(Vmcs16::guest_ss), 0x10u);
  EXPECT_EQ(v.read(Vmcs32::guest_ss_access), 0xC093u);
  EXPECT_EQ(v.read(VmcsNat::guest_ds_base), 0u);
  EXPECT_EQ(v.read(Vmcs32::guest_ldtr_access), 0x10000u);  // unusable
  EXPECT_EQ(v.read(Vmcs64::guest_pat), 0x0007040600070406u);
  EXPECT_EQ(v.read(Vmcs64::vmcs_link_pointer), ~u64{0});
  EXPECT_EQ(v.read(Vmcs32::entry_interruption_info), 0u);
}

TEST(GuestStateInit, GivenLong64WhenWrittenThenPagingPaeLmaIa32eEntryAndTheGivenSelectorsCr3AndGdt) {
  const VmxCapabilities caps = test::haswell_caps();
  FakeVmcs v;
  write_controls(v, caps);
  ASSERT_TRUE(write_guest_state(v, caps, long64()).ok());
  EXPECT_EQ(v.read(VmcsNat::cr0_read_shadow), 0x80000011u);
  EXPECT_EQ(v.read(VmcsNat::guest_cr0), 0x80000031u);
  EXPECT_EQ(v.read(VmcsNat::cr4_read_shadow), 0x20u);
  EXPECT_EQ(v.read(VmcsNat::guest_cr4), 0x2020u);
  EXPECT_EQ(v.read(VmcsNat::guest_cr3), 0x93000u);
  EXPECT_EQ(v.read(Vmcs64::guest_efer), 0x500u);  // LME | LMA
  EXPECT_NE(v.read(Vmcs32::entry_controls) & entry_ctl::kIa32eModeGuest, 0u);
  EXPECT_EQ(v.read(Vmcs16::guest_cs), 0x10u);
  EXPECT_EQ(v.read(Vmcs32::guest_cs_access), 0xA09Bu);  // L set, D/B clear
  EXPECT_EQ(v.read(Vmcs16::guest_ds), 0x18u);
  EXPECT_EQ(v.read(Vmcs16::guest_ss), 0x18u);
  EXPECT_EQ(v.read(Vmcs32::guest_ss_access), 0xC093u);
  EXPECT_EQ(v.read(VmcsNat::guest_gdtr_base), 0x92000u);
  EXPECT_EQ(v.read(Vmcs32::guest_gdtr_limit), 31u);
  EXPECT_EQ(v.read(VmcsNat::guest_rip), 0x1000200u);
  // Written again in protected mode (an INIT), the vCPU leaves IA-32e mode.
  ASSERT_TRUE(write_guest_state(v, caps, protected32()).ok());
  EXPECT_EQ(v.read(Vmcs32::entry_controls) & entry_ctl::kIa32eModeGuest, 0u);
  EXPECT_EQ(v.read(Vmcs64::guest_efer), 0u);
}

TEST(GuestStateInit, GivenRealModeWhenWrittenThenCsBaseIsTheSelectorTimes16AndCacheDisabledAtReset) {
  const VmxCapabilities caps = test::haswell_caps();
  FakeVmcs v;
  ASSERT_TRUE(write_guest_state(v, caps, real_at(0xF000)).ok());
  EXPECT_EQ(v.read(VmcsNat::cr0_read_shadow), 0x60000010u);
  EXPECT_EQ(v.read(VmcsNat::guest_cr0), 0x60000030u);
  EXPECT_EQ(v.read(Vmcs16::guest_cs), 0xF000u);
  EXPECT_EQ(v.read(VmcsNat::guest_cs_base), 0xF0000u);
  EXPECT_EQ(v.read(Vmcs32::guest_cs_limit), 0xFFFFu);
  EXPECT_EQ(v.read(Vmcs32::guest_cs_access), 0x9Bu);
  EXPECT_EQ(v.read(Vmcs16::guest_ds), 0u);
  EXPECT_EQ(v.read(Vmcs32::guest_ds_access), 0x93u);
  EXPECT_EQ(v.read(Vmcs32::guest_ldtr_access), 0x82u);
  EXPECT_EQ(v.read(VmcsNat::guest_rip), 0xFFF0u);
}

TEST(GuestStateInit, GivenAnApplicationProcessorWhenWrittenThenItWaitsForSipiInAStateTheCheckerAccepts) {
  const VmxCapabilities caps = test::haswell_caps();
  GuestStart ap = real_at(0xF000);
  ap.wait_for_sipi = true;
  FakeVmcs v;
  write_controls(v, caps);
  ASSERT_TRUE(write_guest_state(v, caps, ap).ok());
  EXPECT_EQ(v.read(Vmcs32::guest_activity_state), 3u);  // SDM Vol. 3C 25.4.2: wait-for-SIPI
  const GuestStateProblem p = check_guest_state(v, caps);
  EXPECT_TRUE(p.ok) << p.field << ": " << p.rule;
  FakeVmcs boot;
  ASSERT_TRUE(write_guest_state(boot, caps, real_at(0xF000)).ok());
  EXPECT_EQ(boot.read(Vmcs32::guest_activity_state), 0u);  // active
}

TEST(GuestStateInit, GivenAStateWhenWrittenThenNoFieldIsWrittenTwice) {
  FakeVmcs v;
  ASSERT_TRUE(write_guest_state(v, test::haswell_caps(), protected32()).ok());
  std::vector<u32> order = v.write_order();
  const usize n = order.size();
  std::sort(order.begin(), order.end());
  EXPECT_EQ(std::unique(order.begin(), order.end()) - order.begin(), static_cast<std::ptrdiff_t>(n));
}

TEST(GuestStateInit, GivenAnyVmwriteRefusedWhenWritingThenThatErrorIsReturnedAndNothingAfterIsWritten) {
  const VmxCapabilities caps = test::haswell_caps();
  for (const GuestStart& start : {protected32(), real_at(0x1000)}) {
    FakeVmcs all;
    ASSERT_TRUE(write_guest_state(all, caps, start).ok());
    const std::vector<u32> order = all.write_order();
    for (usize i = 0; i < order.size(); ++i) {
      SCOPED_TRACE(field_name(order[i]));
      FakeVmcs v;
      // FakeVmcs fails writes per typed field: the encoding's width picks the type.
      switch (encoding_width(order[i])) {
        case 0: v.fail_writes_to(static_cast<Vmcs16>(order[i])); break;
        case 1: v.fail_writes_to(static_cast<Vmcs64>(order[i])); break;
        case 2: v.fail_writes_to(static_cast<Vmcs32>(order[i])); break;
        default: v.fail_writes_to(static_cast<VmcsNat>(order[i])); break;
      }
      const Error e = write_guest_state(v, caps, start);
      EXPECT_EQ(e.status, Status::unsupported);
      EXPECT_EQ(e.offset, order[i]);
      EXPECT_EQ(v.writes().size(), i);
      EXPECT_EQ(v.failed_writes(), 1u);
    }
  }
}

}  // namespace
}  // namespace nucleo::vmx

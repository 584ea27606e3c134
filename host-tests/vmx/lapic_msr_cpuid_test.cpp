// SPDX-License-Identifier: MIT
// MSR and CPUID exits of a vCPU with a virtual local APIC: IA32_APIC_BASE,
// IA32_TSC_DEADLINE and the x2APIC MSRs go to the model (vmx/core/exit_msr.cpp
// lapic_owns), whose refusals become #GP(0); CPUID leaf 1 reports APIC,
// x2APIC and TSC-deadline only to such a vCPU (vmx/core/exit_cpuid.cpp).
#include <gtest/gtest.h>

#include "host-tests/vmx/virtual_pc_rig.hpp"
#include "vmx/core/exit_cpuid.hpp"

namespace nucleo::vmx::exit_test {
namespace {

struct MsrRig : VirtualPcRig {
  using VirtualPcRig::VirtualPcRig;
  bool rdmsr(u32 msr) {
    regs.rcx = msr;
    regs.rax = 0xAAAA;
    regs.rdx = 0xDDDD;
    return pc_exit(ExitReason::rdmsr, 0, 2);
  }
  bool wrmsr(u32 msr, u64 value) {
    regs.rcx = msr;
    regs.rax = value & 0xFFFFFFFF;
    regs.rdx = value >> 32;
    return pc_exit(ExitReason::wrmsr, 0, 2);
  }
  u64 edx_eax() const { return regs.rdx << 32 | regs.rax; }
  void x2apic() { ASSERT_FALSE(lapic.wrmsr(kMsrApicBase, 0xFEE00C00).gp); }
};

// ---- IA32_APIC_BASE (SDM Vol. 3A 11.4.4, 11.12.5) ---------------------------

TEST(LapicMsrExit, GivenALapicWhenApicBaseIsReadThenTheModelsValueNotTheVcpuStates) {
  MsrRig r;
  r.vcpu.apic_base = 0xFED00800;  // what the VM without a lapic would report
  ASSERT_TRUE(r.rdmsr(kMsrApicBase));
  EXPECT_TRUE(is_advance(r.last));
  EXPECT_EQ(r.edx_eax(), 0xFEE00900u);  // enabled, BSP (vCPU 0)
  EXPECT_EQ(r.rip(), ExitRig::kRip + 2);
}

TEST(LapicMsrExit, GivenALapicWhenX2apicIsEnabledThroughApicBaseThenTheModelSwitchesAndTheVcpuStateStays) {
  MsrRig r(1);
  const u64 before = r.vcpu.apic_base;
  ASSERT_TRUE(r.wrmsr(kMsrApicBase, 0xFEE00C00));
  EXPECT_TRUE(is_advance(r.last));
  EXPECT_EQ(r.lapic.mode(), LapicMode::x2apic);
  EXPECT_EQ(r.vcpu.apic_base, before);
  ASSERT_TRUE(r.rdmsr(kMsrApicBase));
  EXPECT_EQ(r.edx_eax(), 0xFEE00C00u);
}

TEST(LapicMsrExit, GivenAnIllegalApicBaseTransitionOrReservedBitsWhenWrittenThenGpAndTheModeStays) {
  struct Case {
    const char* why;
    bool from_x2apic;
    u64 value;
    LapicMode mode;
  };
  const Case cases[] = {
      {"x2APIC -> xAPIC", true, 0xFEE00800, LapicMode::x2apic},
      {"EXTD without EN", false, 0xFEE00400, LapicMode::xapic},
      {"reserved bit 9", false, 0xFEE00A00, LapicMode::xapic},
      {"reserved low byte", false, 0xFEE00801, LapicMode::xapic},
      {"above the physical address width", false, (u64{1} << 40) | 0xFEE00800, LapicMode::xapic},
  };
  for (const Case& c : cases) {
    MsrRig r;
    if (c.from_x2apic) r.x2apic();
    ASSERT_TRUE(r.wrmsr(kMsrApicBase, c.value)) << c.why;
    EXPECT_TRUE(is_gp(r.last)) << c.why;
    EXPECT_EQ(r.rip(), ExitRig::kRip) << c.why;
    EXPECT_EQ(r.lapic.mode(), c.mode) << c.why;
  }
}

TEST(LapicMsrExit, GivenX2apicModeWhenApicBaseClearsEnableThenTheApicIsDisabledAndItsTimerMsrIgnored) {
  MsrRig r;
  r.x2apic();
  ASSERT_TRUE(r.wrmsr(kMsrApicBase, 0xFEE00000));
  EXPECT_TRUE(is_advance(r.last));
  EXPECT_EQ(r.lapic.mode(), LapicMode::disabled);
  // Disabled: the x2APIC range #GPs (11.12.5).
  ASSERT_TRUE(r.rdmsr(0x802));
  EXPECT_TRUE(is_gp(r.last));
}

// ---- IA32_TSC_DEADLINE (11.5.4.1) ---------------------------------------------

TEST(LapicMsrExit, GivenTscDeadlineModeWhenTheDeadlineIsWrittenThenTheModelArmsItAndReadsItBackInEdxEax) {
  MsrRig r;
  r.enable_apic();
  r.lapic.write(kLvtTimer, (2u << kLvtTimerModeShift) | 0x40);
  const u64 deadline = 0x1'2345'6789;
  ASSERT_TRUE(r.wrmsr(kMsrTscDeadline, deadline));
  EXPECT_TRUE(is_advance(r.last));
  EXPECT_EQ(r.lapic.timer_deadline_tsc(), deadline);
  ASSERT_TRUE(r.rdmsr(kMsrTscDeadline));
  EXPECT_EQ(r.regs.rdx, 0x1u);
  EXPECT_EQ(r.regs.rax, 0x23456789u);
}

TEST(LapicMsrExit, GivenAnotherTimerModeWhenTheDeadlineIsWrittenThenIgnoredAndReadsZero) {
  MsrRig r;
  r.enable_apic();
  ASSERT_TRUE(r.wrmsr(kMsrTscDeadline, 5000));
  EXPECT_TRUE(is_advance(r.last));
  EXPECT_EQ(r.lapic.timer_deadline_tsc(), 0u);
  ASSERT_TRUE(r.rdmsr(kMsrTscDeadline));
  EXPECT_EQ(r.edx_eax(), 0u);
}

TEST(LapicMsrExit, GivenAVmWithoutALapicWhenTscDeadlineOrAnX2apicMsrIsAccessedThenGp) {
  for (const u32 msr : {kMsrTscDeadline, 0x802u, 0x808u, 0x830u}) {
    ExitRig r;
    r.regs.rcx = msr;
    ASSERT_TRUE(r.exit(ExitReason::rdmsr, 0, 2));
    EXPECT_TRUE(is_gp(r.last)) << std::hex << msr;
    ASSERT_TRUE(r.exit(ExitReason::wrmsr, 0, 2));
    EXPECT_TRUE(is_gp(r.last)) << std::hex << msr;
  }
}

// ---- x2APIC registers 0x800-0x8FF (11.12.1.2) -----------------------------------

TEST(LapicMsrExit, GivenX2apicModeWhenIdAndTprAreAccessedThenTheModelAnswersAndTakesTheWrite) {
  MsrRig r(1);
  r.enable_apic();
  r.x2apic();
  ASSERT_TRUE(r.rdmsr(0x802));  // APIC ID: 32 bits, the vCPU index
  EXPECT_TRUE(is_advance(r.last));
  EXPECT_EQ(r.edx_eax(), 1u);
  ASSERT_TRUE(r.wrmsr(0x808, 0x50));  // TPR
  EXPECT_TRUE(is_advance(r.last));
  EXPECT_EQ(r.lapic.tpr(), 0x50);
  ASSERT_TRUE(r.rdmsr(0x808));
  EXPECT_EQ(r.edx_eax(), 0x50u);
}

TEST(LapicMsrExit, GivenX2apicModeWhenTheSelfIpiMsrIsWrittenThenTheVectorIsInjectedAtTheNextEntry) {
  MsrRig r;
  r.enable_apic();
  r.x2apic();
  ASSERT_TRUE(r.wrmsr(kMsrSelfIpi, 0x66));
  EXPECT_TRUE(is_advance(r.last));
  prepare_entry(r.pc);
  EXPECT_EQ(r.injected(), InterruptionInfo::external_interrupt(0x66).raw);
}

TEST(LapicMsrExit, GivenAReservedOrMisusedX2apicMsrWhenAccessedThenGpAndNothingChanges) {
  struct Case {
    const char* why;
    bool write;
    u32 msr;
    u64 value;
  };
  const Case cases[] = {
      {"read of APR (unmapped)", false, 0x809, 0},
      {"write of DFR (unmapped in x2APIC)", true, 0x80E, 0},
      {"read of EOI (write-only)", false, 0x80B, 0},
      {"write of the ID (read-only)", true, 0x802, 7},
      {"reserved TPR bits", true, 0x808, 0x100},
      {"upper half set", true, 0x808, u64{1} << 32},
      {"read in the reserved range 0x900-0xBFF", false, 0x900, 0},
      {"write in the reserved range 0x900-0xBFF", true, 0xBFF, 0},
  };
  for (const Case& c : cases) {
    MsrRig r;
    r.enable_apic();
    r.x2apic();
    ASSERT_TRUE(c.write ? r.wrmsr(c.msr, c.value) : r.rdmsr(c.msr)) << c.why;
    EXPECT_TRUE(is_gp(r.last)) << c.why;
    EXPECT_EQ(r.rip(), ExitRig::kRip) << c.why;
    EXPECT_EQ(r.lapic.tpr(), 0) << c.why;
    if (!c.write) EXPECT_EQ(r.edx_eax(), u64{0xDDDD} << 32 | 0xAAAA) << c.why;  // registers untouched
  }
}

TEST(LapicMsrExit, GivenXapicModeWhenAnX2apicMsrIsAccessedThenGp) {
  MsrRig r;
  r.enable_apic();
  ASSERT_TRUE(r.rdmsr(0x808));
  EXPECT_TRUE(is_gp(r.last));
  ASSERT_TRUE(r.wrmsr(0x808, 0x10));
  EXPECT_TRUE(is_gp(r.last));
  EXPECT_EQ(r.lapic.tpr(), 0);
}

TEST(LapicMsrExit, GivenALapicWhenAnMsrOutsideItsRangeIsAccessedThenTheUsualEmulationAnswers) {
  MsrRig r;
  r.vmcs.set(Vmcs64::guest_pat, 0x0007040600070406);
  ASSERT_TRUE(r.rdmsr(0x277));  // IA32_PAT
  EXPECT_TRUE(is_advance(r.last));
  EXPECT_EQ(r.edx_eax(), 0x0007040600070406u);
  ASSERT_TRUE(r.rdmsr(0xC00));  // just past the x2APIC range: unknown
  EXPECT_TRUE(is_gp(r.last));
}

// ---- CPUID leaf 1 (SDM Vol. 2A, CPUID) -----------------------------------------

constexpr u32 kEcxX2apic = 1u << 21, kEcxTscDeadline = 1u << 24, kEdxApic = 1u << 9;

TEST(LapicCpuidExit, GivenAVcpuWithALapicOnAHostWithoutTheBitsWhenLeaf1ThenApicX2apicAndTscDeadlineAreReported) {
  MsrRig r;
  CpuidValues host = r.cpu.cpuid(1, 0);
  host.ecx &= ~(kEcxX2apic | kEcxTscDeadline);
  host.edx &= ~kEdxApic;
  r.cpu.set_cpuid(1, host);
  r.regs.rax = 1;
  ASSERT_TRUE(r.pc_exit(ExitReason::cpuid, 0, 2));
  EXPECT_TRUE(r.regs.rcx & kEcxX2apic);
  EXPECT_TRUE(r.regs.rcx & kEcxTscDeadline);
  EXPECT_TRUE(r.regs.rdx & kEdxApic);
  EXPECT_TRUE(r.regs.rcx & (1u << 31));  // still a hypervisor
  EXPECT_FALSE(r.regs.rcx & (1u << 5));  // still no VMX
}

TEST(LapicCpuidExit, GivenAVcpuWithoutALapicOnAHostWithTheBitsWhenLeaf1ThenTheyAreHidden) {
  MsrRig r;
  r.vcpu.has_lapic = false;
  const CpuidValues host = r.cpu.cpuid(1, 0);
  ASSERT_TRUE((host.ecx & kEcxX2apic) && (host.ecx & kEcxTscDeadline) && (host.edx & kEdxApic));
  const CpuidValues v = guest_cpuid(r.cpu, 1, 0, r.vcpu);
  EXPECT_FALSE(v.ecx & kEcxX2apic);
  EXPECT_FALSE(v.ecx & kEcxTscDeadline);
  EXPECT_FALSE(v.edx & kEdxApic);
}

TEST(LapicCpuidExit, GivenAVcpuWithALapicWhenTheViewIsBuiltThenLeaf1InTheViewHasTheBitsToo) {
  MsrRig r(1);
  r.vcpu.vcpu_count = 2;
  build_cpuid_view(r.vcpu.cpuid, r.cpu, r.vcpu, 0);
  r.regs.rax = 1;
  ASSERT_TRUE(r.pc_exit(ExitReason::cpuid, 0, 2));
  EXPECT_TRUE(r.regs.rcx & kEcxX2apic);
  EXPECT_TRUE(r.regs.rdx & kEdxApic);
  EXPECT_EQ(r.regs.rbx >> 24, 1u);  // initial APIC ID = the model's ID
}

}  // namespace
}  // namespace nucleo::vmx::exit_test

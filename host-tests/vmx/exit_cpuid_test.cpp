// SPDX-License-Identifier: MIT
// CPUID exits (vmx/core/exit_cpuid.cpp) against a scripted Core i7-4770:
// the hypervisor leaves, what leaf 1/4/7 hide and rewrite, the zeroed
// leaves, the 0xB/0x1F topology of 1, 2, 3 and 8 vCPUs, the clamped
// maxima, informational leaves. The whole view over recorded processors:
// virtual_cpu_test.cpp.
#include "vmx/core/exit_cpuid.hpp"

#include <gtest/gtest.h>

#include <cstring>

#include "guests/include/nucleo/hypercall.h"
#include "host-tests/support/exit_rig.hpp"

namespace nucleo::vmx::exit_test {
namespace {

constexpr u32 bit(u32 n) { return 1u << n; }

CpuidValues host(ExitRig& r, u32 leaf, u32 subleaf = 0) { return r.cpu.cpuid(leaf, subleaf); }

TEST(CpuidExit, GivenSignatureLeafWhenQueriedThenMaxLeafAndNucleoSignatureWithoutAskingTheHost) {
  ExitRig r;
  const CpuidValues v = guest_cpuid(r.cpu, NUCLEO_CPUID_SIGNATURE_LEAF, 0, r.vcpu);
  EXPECT_EQ(v.eax, u32{NUCLEO_CPUID_ISA_LEAF});
  char signature[13] = {};
  std::memcpy(signature, &v.ebx, 4);
  std::memcpy(signature + 4, &v.ecx, 4);
  std::memcpy(signature + 8, &v.edx, 4);
  EXPECT_STREQ(signature, "NucleoNucleo");
  EXPECT_TRUE(r.cpu.cpuid_calls.empty());
}

TEST(CpuidExit, GivenInfoLeafWhenQueriedThenAbiVersionOnly) {
  ExitRig r;
  EXPECT_EQ(guest_cpuid(r.cpu, NUCLEO_CPUID_INFO_LEAF, 5, r.vcpu), (CpuidValues{NUCLEO_HC_ABI_VERSION, 0, 0, 0}));
  EXPECT_TRUE(r.cpu.cpuid_calls.empty());
}

TEST(CpuidExit, GivenOtherHypervisorRangeLeavesWhenQueriedThenZerosWithoutAskingTheHost) {
  ExitRig r;
  for (u32 leaf : {0x40000003u, 0x40000010u, 0x40000100u, 0x4FFFFFFFu}) {
    r.cpu.set_cpuid(leaf, {1, 2, 3, 4});
    EXPECT_EQ(guest_cpuid(r.cpu, leaf, 0, r.vcpu), CpuidValues{}) << std::hex << leaf;
  }
  EXPECT_TRUE(r.cpu.cpuid_calls.empty());
}

TEST(CpuidExit, GivenIsaLeafWhenQueriedThenTheVmsExtensionsTheProposalCountAndTheOpcodeMap) {
  ExitRig r;
  EXPECT_EQ(guest_cpuid(r.cpu, NUCLEO_CPUID_ISA_LEAF, 0, r.vcpu), (CpuidValues{0, ext::kIdCount, 0x0A0F, 0}));
  r.vcpu.extensions = ext::bit(ext::Id::vipi) | ext::bit(ext::Id::vtlbi);
  EXPECT_EQ(guest_cpuid(r.cpu, NUCLEO_CPUID_ISA_LEAF, 7, r.vcpu), (CpuidValues{0b101, ext::kIdCount, 0x0A0F, 0}));
  EXPECT_TRUE(r.cpu.cpuid_calls.empty());
}

// The allow-list (vmx/core/cpuid_allow.cpp) on the Haswell's leaf 1, with
// no view built: XCR0 is x87 only then, so AVX and its kin are hidden too.
TEST(CpuidExit, GivenLeaf1WhenQueriedThenOnlyAllowedFeaturesAndTheHypervisorBit) {
  ExitRig r;
  const CpuidValues h = host(r, 1);
  const CpuidValues v = guest_cpuid(r.cpu, 1, 0, r.vcpu);
  EXPECT_EQ(v.eax, h.eax);  // family/model/stepping unchanged
  // DTES64, MONITOR, DS-CPL, VMX, SMX, EIST, TM2, xTPR, PDCM, x2APIC and
  // TSC-deadline (no local APIC), FMA, AVX, F16C (no YMM state).
  for (u32 hidden : {2u, 3u, 4u, 5u, 6u, 7u, 8u, 12u, 14u, 15u, 21u, 24u, 28u, 29u}) {
    ASSERT_TRUE(h.ecx & bit(hidden)) << "the host must have ECX bit " << hidden << " for this test";
    EXPECT_FALSE(v.ecx & bit(hidden)) << "ECX bit " << hidden;
  }
  for (u32 kept : {0u, 1u, 9u, 13u, 17u, 19u, 20u, 22u, 23u, 25u, 26u, 30u, 31u}) EXPECT_TRUE(v.ecx & bit(kept)) << kept;
  // APIC (no local APIC), DS, ACPI, TM, PBE hidden; MTRR, MCE, MCA kept.
  for (u32 hidden : {9u, 21u, 22u, 29u, 31u}) {
    ASSERT_TRUE(h.edx & bit(hidden));
    EXPECT_FALSE(v.edx & bit(hidden)) << "EDX bit " << hidden;
  }
  for (u32 kept : {0u, 4u, 5u, 7u, 12u, 14u, 16u, 25u, 26u}) EXPECT_TRUE(v.edx & bit(kept)) << kept;
}

struct Topology {
  u32 id, count;
};

TEST(CpuidExit, GivenVcpuIdAndCountWhenLeaf1ThenApicIdAndLogicalCountFieldsAreTheVms) {
  for (const Topology t : {Topology{0, 1}, Topology{1, 2}, Topology{2, 3}, Topology{7, 8}}) {
    SCOPED_TRACE(testing::Message() << "vCPU " << t.id << " of " << t.count);
    ExitRig r;
    r.vcpu.id = t.id;
    r.vcpu.vcpu_count = t.count;
    const CpuidValues v = guest_cpuid(r.cpu, 1, 0, r.vcpu);
    EXPECT_EQ(v.ebx >> 24, t.id);
    EXPECT_EQ((v.ebx >> 16) & 0xFF, t.count);
    EXPECT_EQ(v.ebx & 0xFFFF, host(r, 1).ebx & 0xFFFF);  // brand index, CLFLUSH line size
  }
}

TEST(CpuidExit, GivenHostWithoutHttWhenLeaf1ThenHttSetOnlyForMoreThanOneVcpu) {
  for (const u32 count : {1u, 2u, 8u}) {
    ExitRig r;
    CpuidValues h = host(r, 1);
    h.edx &= ~bit(28);
    r.cpu.set_cpuid(1, h);
    r.vcpu.vcpu_count = count;
    EXPECT_EQ((guest_cpuid(r.cpu, 1, 0, r.vcpu).edx >> 28) & 1, count > 1 ? 1u : 0u) << count;
  }
  ExitRig r;  // a host HTT bit is kept for one vCPU (count 1 is then valid)
  EXPECT_TRUE(guest_cpuid(r.cpu, 1, 0, r.vcpu).edx & bit(28));
}

// Leaf 4 EAX[31:26] is the VM's cores - 1; [25:14] the threads sharing
// the cache - 1: none for L1/L2 (one thread per core), the whole VM
// (rounded to a power of two) for L3.
TEST(CpuidExit, GivenLeaf4WhenQueriedThenCoreAndSharingCountsAreTheVmsAndCacheFieldsPassThrough) {
  const u32 sharing_l3[] = {0, 1, 3, 7};  // for 1, 2, 3, 8 vCPUs
  const u32 counts[] = {1, 2, 3, 8};
  for (int c = 0; c < 4; ++c) {
    for (u32 sub = 0; sub < 4; ++sub) {
      ExitRig r;
      r.vcpu.vcpu_count = counts[c];
      const CpuidValues h = host(r, 4, sub);
      const CpuidValues v = guest_cpuid(r.cpu, 4, sub, r.vcpu);
      SCOPED_TRACE(testing::Message() << counts[c] << " vCPUs, subleaf " << sub);
      EXPECT_EQ(v.eax >> 26, counts[c] - 1);
      EXPECT_EQ((v.eax >> 14) & 0xFFF, sub == 3 ? sharing_l3[c] : 0u);
      EXPECT_EQ(v.eax & 0x3FFF, h.eax & 0x3FFF);
      EXPECT_EQ(v.ebx, h.ebx);
      EXPECT_EQ(v.ecx, h.ecx);
      EXPECT_EQ(v.edx, h.edx);
      EXPECT_EQ(r.cpu.cpuid_calls.back(), std::make_pair(4u, sub));
    }
  }
  ExitRig r;  // the null entry stays null
  EXPECT_EQ(guest_cpuid(r.cpu, 4, 4, r.vcpu), CpuidValues{});
}

TEST(CpuidExit, GivenMonitorAndPmuLeavesWhenQueriedThenAllZero) {
  ExitRig r;
  ASSERT_NE(host(r, 5), CpuidValues{});
  ASSERT_NE(host(r, 0xA), CpuidValues{});
  EXPECT_EQ(guest_cpuid(r.cpu, 5, 0, r.vcpu), CpuidValues{});
  EXPECT_EQ(guest_cpuid(r.cpu, 0xA, 0, r.vcpu), CpuidValues{});
}

TEST(CpuidExit, GivenLeaf7WhenSubleaf0ThenSpeculationControlBitsHiddenAndAllowedOnesKept) {
  ExitRig r;
  const u32 hidden = bit(26) | bit(27) | bit(28) | bit(29) | bit(31);
  const CpuidValues h = host(r, 7, 0);
  ASSERT_EQ(h.edx & hidden, hidden);
  const CpuidValues v = guest_cpuid(r.cpu, 7, 0, r.vcpu);
  EXPECT_EQ(v.edx, bit(10));  // MD_CLEAR (VERW) stays
  EXPECT_EQ(v.eax, 0u);       // the Haswell has only subleaf 0
  // FSGSBASE, TSC_ADJUST, BMI1, SMEP, BMI2, ERMS, FPU CS/DS deprecation;
  // AVX2 (no YMM state without a view) and INVPCID (no control) hidden.
  EXPECT_EQ(v.ebx, h.ebx & ~(bit(5) | bit(10)));
  EXPECT_EQ(v.ecx, 0u);
}

TEST(CpuidExit, GivenLeaf7WhenOtherSubleavesThenOnlyAllowedBitsOfSubleaf1AndNothingBeyond) {
  ExitRig r;
  r.cpu.set_cpuid(7, 0, {0x2, 0, 0, 0});
  r.cpu.set_cpuid(7, 1, {0xFFFFFFFF, 0xFFFFFFFF, 0xFFFFFFFF, 0xFFFFFFFF});
  r.cpu.set_cpuid(7, 2, {0xFFFFFFFF, 0xFFFFFFFF, 0xFFFFFFFF, 0xFFFFFFFF});
  EXPECT_EQ(guest_cpuid(r.cpu, 7, 0, r.vcpu).eax, 1u);  // subleaf 1 is the last the VM has
  EXPECT_EQ(guest_cpuid(r.cpu, 7, 1, r.vcpu), (CpuidValues{bit(10) | bit(11) | bit(12), 0, 0, 0}));
  EXPECT_EQ(guest_cpuid(r.cpu, 7, 2, r.vcpu), CpuidValues{});
}

struct TopologyRow {
  u32 count, shift;
};

TEST(CpuidExit, GivenTopologyLeavesWhenEachSubleafThenOneThreadPerCoreAndVcpuCountCores) {
  for (const u32 leaf : {0xBu, 0x1Fu}) {
    for (const TopologyRow t : {TopologyRow{1, 0}, TopologyRow{2, 1}, TopologyRow{3, 2}, TopologyRow{8, 3}}) {
      for (u32 id = 0; id < t.count; ++id) {
        SCOPED_TRACE(testing::Message() << "leaf " << std::hex << leaf << std::dec << ", vCPU " << id << " of "
                                        << t.count);
        ExitRig r;
        r.cpu.set_cpuid(0, {0x1F, 0x756E6547, 0x6C65746E, 0x49656E69});  // a host that has leaf 0x1F
        r.vcpu.id = id;
        r.vcpu.vcpu_count = t.count;
        // SMT level: shift 0, one logical processor, level type 1.
        EXPECT_EQ(guest_cpuid(r.cpu, leaf, 0, r.vcpu), (CpuidValues{0, 1, 0x100, id}));
        // Core level: shift wide enough for count IDs, count processors, type 2.
        EXPECT_EQ(guest_cpuid(r.cpu, leaf, 1, r.vcpu), (CpuidValues{t.shift, t.count, 0x201, id}));
        // No further level: type 0, the subleaf echoed in ECX[7:0].
        EXPECT_EQ(guest_cpuid(r.cpu, leaf, 2, r.vcpu), (CpuidValues{0, 0, 2, id}));
        EXPECT_EQ(guest_cpuid(r.cpu, leaf, 0x17, r.vcpu), (CpuidValues{0, 0, 0x17, id}));
      }
    }
  }
}

TEST(CpuidExit, GivenInformationalLeavesWhenQueriedThenTheHostsAnswerForThatSubleaf) {
  const u32 rows[][2] = {{2, 0}, {0x80000002, 0}, {0x80000003, 0}, {0x80000004, 0}};
  for (const auto& row : rows) {
    ExitRig r;
    r.cpu.set_cpuid(0x80000002, {0x65746E49, 0x2952286C, 0x726F4320, 0x4D542865});
    const CpuidValues h = host(r, row[0], row[1]);
    EXPECT_EQ(guest_cpuid(r.cpu, row[0], row[1], r.vcpu), h) << std::hex << row[0] << "." << row[1];
    EXPECT_EQ(r.cpu.cpuid_calls.back(), std::make_pair(row[0], row[1]));
  }
}

TEST(CpuidExit, GivenLeafZeroAndExtendedMaximumWhenQueriedThenClampedToWhatNucleoDefines) {
  ExitRig r;
  EXPECT_EQ(guest_cpuid(r.cpu, 0, 0, r.vcpu), host(r, 0));  // the Haswell's 0xD is below 0x1F
  r.cpu.set_cpuid(0, {0x24, 0x756E6547, 0x6C65746E, 0x49656E69});
  r.cpu.set_cpuid(0x80000000, {0x80000021, 1, 2, 3});
  EXPECT_EQ(guest_cpuid(r.cpu, 0, 0, r.vcpu), (CpuidValues{0x1F, 0x756E6547, 0x6C65746E, 0x49656E69}));
  EXPECT_EQ(guest_cpuid(r.cpu, 0x80000000, 0, r.vcpu), (CpuidValues{0x80000008, 0, 0, 0}));
}

// Past the maximum basic or extended leaf the answer is the highest basic
// leaf's, for the same subleaf (here the Haswell's 0xD: the XSAVE view).
TEST(CpuidExit, GivenLeavesPastTheMaximumWhenQueriedThenTheHighestBasicLeafAnswers) {
  for (const u32 leaf : {0xEu, 0x14u, 0x50000000u, 0x80000009u, 0x8FFFFFFFu, 0xC0000000u}) {
    ExitRig r;
    r.cpu.set_cpuid(leaf, {5, 6, 7, 8});
    EXPECT_EQ(guest_cpuid(r.cpu, leaf, 0, r.vcpu), guest_cpuid(r.cpu, 0xD, 0, r.vcpu)) << std::hex << leaf;
    EXPECT_EQ(guest_cpuid(r.cpu, leaf, 2, r.vcpu), guest_cpuid(r.cpu, 0xD, 2, r.vcpu)) << std::hex << leaf;
  }
}

TEST(CpuidExit, GivenExtendedFeatureLeavesWhenQueriedThenOnlyAllowedBits) {
  ExitRig r;
  // 0x80000001: LAHF, LZCNT (ECX 0, 5); SYSCALL, NX, 1-GByte pages, Intel
  // 64 (EDX 11, 20, 26, 29); RDTSCP (27) needs the control.
  EXPECT_EQ(guest_cpuid(r.cpu, 0x80000001, 0, r.vcpu), (CpuidValues{0, 0, 0x21, 0x24100800}));
  EXPECT_EQ(guest_cpuid(r.cpu, 0x80000006, 0, r.vcpu), host(r, 0x80000006));
  EXPECT_EQ(guest_cpuid(r.cpu, 0x80000007, 0, r.vcpu), (CpuidValues{0, 0, 0, 0x100}));  // invariant TSC
  EXPECT_EQ(guest_cpuid(r.cpu, 0x80000008, 0, r.vcpu), (CpuidValues{0x3027, 0, 0, 0}));
}

TEST(CpuidExit, GivenThermalLeafWhenQueriedThenOnlyAratAndOnlyWithALocalApic) {
  ExitRig r;
  ASSERT_NE(host(r, 6), CpuidValues{});
  EXPECT_EQ(guest_cpuid(r.cpu, 6, 0, r.vcpu), CpuidValues{});
  r.vcpu.has_lapic = true;
  EXPECT_EQ(guest_cpuid(r.cpu, 6, 0, r.vcpu), (CpuidValues{bit(2), 0, 0, 0}));
}

TEST(CpuidExit, GivenCpuidExitWhenHandledThenLow32BitsSelectTheLeafResultsZeroExtendAndRipAdvances) {
  ExitRig r;
  r.regs.rax = 0xFFFFFFFF00000000 | NUCLEO_CPUID_SIGNATURE_LEAF;
  r.regs.rbx = 0xDEADBEEFDEADBEEF;
  r.regs.rcx = 0xFFFFFFFF00000000;
  r.regs.rdx = 0xDEADBEEFDEADBEEF;
  r.regs.rsi = 0x5151;
  r.regs.r15 = 0x1515;
  ASSERT_TRUE(r.exit(ExitReason::cpuid, 0, 2));
  EXPECT_TRUE(is_advance(r.last));
  EXPECT_EQ(r.regs.rax, u64{NUCLEO_CPUID_ISA_LEAF});
  EXPECT_EQ(r.regs.rbx, u64{NUCLEO_CPUID_SIGNATURE_EBX});
  EXPECT_EQ(r.regs.rcx, u64{NUCLEO_CPUID_SIGNATURE_ECX});
  EXPECT_EQ(r.regs.rdx, u64{NUCLEO_CPUID_SIGNATURE_EDX});
  EXPECT_EQ(r.regs.rsi, 0x5151u);
  EXPECT_EQ(r.regs.r15, 0x1515u);
  EXPECT_EQ(r.rip(), ExitRig::kRip + 2);
}

TEST(CpuidExit, GivenCpuidExitWithSubleafInEcxWhenHandledThenTheSubleafReachesTheHost) {
  ExitRig r;
  r.regs.rax = 4;
  r.regs.rcx = 0xABCD000000000003;
  ASSERT_TRUE(r.exit(ExitReason::cpuid, 0, 2));
  EXPECT_EQ(r.cpu.cpuid_calls.back(), std::make_pair(4u, 3u));
  EXPECT_EQ(r.regs.rcx, u64{host(r, 4, 3).ecx});
}

// Regression (fixed): vmx/core/exit_cpuid.cpp leaf 1 passes the host's ECX[27] (OSXSAVE)
// through; it must mirror the guest's CR4.OSXSAVE (bit 18). vmx_root.cpp
// sets the host's CR4.OSXSAVE, so every guest reads 1 before enabling XSAVE
// (and XGETBV then raises #UD in it).
TEST(CpuidExit, GivenGuestCr4OsxsaveWhenLeaf1ThenOsxsaveMirrorsTheGuestsCr4) {
  for (const bool guest_osxsave : {false, true}) {
    ExitRig r;
    CpuidValues h = host(r, 1);
    h.ecx = guest_osxsave ? h.ecx & ~bit(27) : h.ecx | bit(27);  // the host says the opposite
    r.cpu.set_cpuid(1, h);
    const u64 cr4 = guest_osxsave ? u64{1} << 18 : 0;
    r.vmcs.set(VmcsNat::cr4_read_shadow, cr4);
    r.vmcs.set(VmcsNat::guest_cr4, apply_cr4_fixed(r.caps, cr4));
    r.regs.rax = 1;
    ASSERT_TRUE(r.exit(ExitReason::cpuid, 0, 2));
    EXPECT_EQ((r.regs.rcx >> 27) & 1, guest_osxsave ? 1u : 0u);
  }
}

}  // namespace
}  // namespace nucleo::vmx::exit_test

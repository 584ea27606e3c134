// SPDX-License-Identifier: MIT
// CPUID exits (vmx/core/exit_cpuid.cpp) against a scripted Core i7-4770:
// the hypervisor leaves, what leaf 1/4/7 hide and rewrite, the zeroed
// leaves, the 0xB/0x1F topology of 1, 2, 3 and 8 vCPUs, pass-through.
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

TEST(CpuidExit, GivenLeaf1WhenQueriedThenHiddenFeaturesClearAndHypervisorBitSet) {
  ExitRig r;
  const CpuidValues h = host(r, 1);
  const CpuidValues v = guest_cpuid(r.cpu, 1, 0, r.vcpu);
  EXPECT_EQ(v.eax, h.eax);  // family/model/stepping unchanged
  for (u32 hidden : {3u, 5u, 6u, 21u, 24u}) {
    ASSERT_TRUE(h.ecx & bit(hidden)) << "the host must have ECX bit " << hidden << " for this test";
    EXPECT_FALSE(v.ecx & bit(hidden)) << "ECX bit " << hidden;
  }
  EXPECT_TRUE(v.ecx & bit(31));
  EXPECT_EQ(v.ecx & ~(bit(3) | bit(5) | bit(6) | bit(21) | bit(24) | bit(31)),
            h.ecx & ~(bit(3) | bit(5) | bit(6) | bit(21) | bit(24) | bit(31)));
  // MCE (7), APIC (9), MTRR (12), MCA (14), ACPI thermal (22).
  for (u32 hidden : {7u, 9u, 12u, 14u, 22u}) {
    ASSERT_TRUE(h.edx & bit(hidden));
    EXPECT_FALSE(v.edx & bit(hidden)) << "EDX bit " << hidden;
  }
  const u32 edx_hidden = bit(7) | bit(9) | bit(12) | bit(14) | bit(22);
  EXPECT_EQ(v.edx & ~edx_hidden, h.edx & ~edx_hidden);
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

TEST(CpuidExit, GivenLeaf4WhenQueriedThenCoresPerPackageAreTheVcpusAndCacheFieldsPassThrough) {
  for (const u32 count : {1u, 2u, 3u, 8u}) {
    for (u32 sub = 0; sub < 4; ++sub) {
      ExitRig r;
      r.vcpu.vcpu_count = count;
      const CpuidValues h = host(r, 4, sub);
      const CpuidValues v = guest_cpuid(r.cpu, 4, sub, r.vcpu);
      EXPECT_EQ(v.eax >> 26, count - 1) << count << " vCPUs, subleaf " << sub;
      EXPECT_EQ(v.eax & 0x03FFFFFF, h.eax & 0x03FFFFFF);
      EXPECT_EQ(v.ebx, h.ebx);
      EXPECT_EQ(v.ecx, h.ecx);
      EXPECT_EQ(v.edx, h.edx);
      EXPECT_EQ(r.cpu.cpuid_calls.back(), std::make_pair(4u, sub));
    }
  }
}

TEST(CpuidExit, GivenMonitorAndPmuLeavesWhenQueriedThenAllZero) {
  ExitRig r;
  ASSERT_NE(host(r, 5), CpuidValues{});
  ASSERT_NE(host(r, 0xA), CpuidValues{});
  EXPECT_EQ(guest_cpuid(r.cpu, 5, 0, r.vcpu), CpuidValues{});
  EXPECT_EQ(guest_cpuid(r.cpu, 0xA, 0, r.vcpu), CpuidValues{});
}

TEST(CpuidExit, GivenLeaf7WhenSubleaf0ThenSpeculationControlBitsHiddenAndOthersKept) {
  ExitRig r;
  r.cpu.set_cpuid(7, 0, {0, 0x2 | 0x8, 0, 0xBC000400});  // TSC_ADJUST, BMI1; the EDX bits below
  const u32 hidden = bit(26) | bit(27) | bit(28) | bit(29) | bit(31);
  const CpuidValues h = host(r, 7, 0);
  ASSERT_EQ(h.edx & hidden, hidden);
  const CpuidValues v = guest_cpuid(r.cpu, 7, 0, r.vcpu);
  EXPECT_EQ(v.edx, h.edx & ~hidden);
  EXPECT_EQ(v.edx & bit(10), bit(10));  // MD_CLEAR (VERW) stays
  EXPECT_EQ(v.eax, h.eax);
  EXPECT_EQ(v.ebx, h.ebx & ~bit(1));  // TSC_ADJUST: IA32_TSC_ADJUST is not emulated
  EXPECT_EQ(v.ecx, h.ecx);
}

TEST(CpuidExit, GivenLeaf7WhenOtherSubleafThenEdxUnchanged) {
  ExitRig r;
  r.cpu.set_cpuid(7, 1, {0x10, 0, 0, 0xBC000000});
  EXPECT_EQ(guest_cpuid(r.cpu, 7, 1, r.vcpu), (CpuidValues{0x10, 0, 0, 0xBC000000}));
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

TEST(CpuidExit, GivenLeaf6WhenQueriedThenOnlyAratIsLeftAndNoPowerManagementMsrIsAdvertised) {
  ExitRig r;
  r.cpu.set_cpuid(6, {0x77, 2, 9, 0});  // DTS, turbo, ARAT, PLN, ECMD, PTM; APERF/MPERF and EPB
  EXPECT_EQ(guest_cpuid(r.cpu, 6, 0, r.vcpu), (CpuidValues{0x4, 0, 0, 0}));
  r.cpu.set_cpuid(6, {0x73, 2, 9, 0});  // no ARAT: nothing left
  EXPECT_EQ(guest_cpuid(r.cpu, 6, 0, r.vcpu), (CpuidValues{0, 0, 0, 0}));
}

TEST(CpuidExit, GivenOtherLeavesWhenQueriedThenTheHostsAnswerForThatSubleaf) {
  // Leaf 0xD is the VM's XSAVE view, not the host's (xsave_test.cpp).
  const u32 rows[][2] = {{0, 0},          {2, 0},          {0x80000000, 0},
                         {0x80000001, 0}, {0x80000006, 0}, {0x80000007, 0}, {0x80000008, 0},
                         {0x50000000, 0}, {0x14, 3}};
  for (const auto& row : rows) {
    ExitRig r;
    r.cpu.set_cpuid(0x50000000, {5, 6, 7, 8});
    r.cpu.set_cpuid(0x14, 3, {9, 10, 11, 12});
    const CpuidValues h = host(r, row[0], row[1]);
    r.cpu.cpuid_calls.clear();
    EXPECT_EQ(guest_cpuid(r.cpu, row[0], row[1], r.vcpu), h) << std::hex << row[0] << "." << row[1];
    ASSERT_EQ(r.cpu.cpuid_calls.size(), 1u);
    EXPECT_EQ(r.cpu.cpuid_calls[0], std::make_pair(row[0], row[1]));
  }
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

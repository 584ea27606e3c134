// SPDX-License-Identifier: MIT
// The capability report the kernel prints and nucleo-vmx-caps tabulates:
// the verdict per recorded capability set (KVM's nested VMX, the Bochs
// models), the boot lines, the refusal messages, the controls a vCPU gets
// and the feature rows, including sets that lack what nucleo requires.
#include "vmx/core/capability_report.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "host-tests/support/vmx_caps_file.hpp"
#include "vmx/core/vcpu_controls.hpp"

using namespace nucleo;
using namespace nucleo::vmx;

namespace {

std::vector<std::string> g_lines;
void collect(Str line) { g_lines.emplace_back(line.data(), line.size()); }

std::vector<std::string> lines_of(void (*f)(LineFn)) {
  g_lines.clear();
  f(collect);
  return g_lines;
}

const FeatureUse* row(const FeatureUse (&rows)[kFeatureRows], const std::string& name) {
  for (const FeatureUse& r : rows)
    if (name == r.feature) return &r;
  return nullptr;
}

TEST(CapabilityReport, GivenKvmNestedVmxWhenAssessedThenUsableWithEveryFeatureNucleoUses) {
  const VmxCapabilities c = test::load_vmx_caps("kvm_nested_intel.txt");
  EXPECT_EQ(c.revision(), 0x11e57ed0u);
  EXPECT_EQ(assess_capabilities(c), CapsVerdict::usable);
  static VmxCapabilities caps;
  caps = c;
  const auto lines = lines_of([](LineFn emit) { describe_capabilities(caps, emit); });
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[0], "vmx: VMCS revision 0x11e57ed0, 4096 bytes, memory type 6, TRUE controls");
  EXPECT_EQ(lines[1], "vmx: EPT yes (4-level yes, 2 MiB yes, 1 GiB yes, INVEPT single yes), VPID yes (INVVPID single yes)");
  EXPECT_NE(lines[2].find("preemption timer yes (TSC >> 5)"), std::string::npos) << lines[2];

  FeatureUse rows[kFeatureRows];
  feature_uses(c, rows);
  for (const char* used : {"EPT (4-level walk, write-back)", "unrestricted guest", "VPID", "VMX-preemption timer",
                           "APIC-register virtualization and virtual-interrupt delivery",
                           "controls of a VM with a virtual local APIC (configured VMs)"}) {
    const FeatureUse* r = row(rows, used);
    ASSERT_NE(r, nullptr) << used;
    EXPECT_TRUE(r->present) << used;
  }
  const Result<VcpuControls> planned = plan_controls(c, true, true);
  ASSERT_TRUE(planned.ok());
  EXPECT_TRUE(planned.value().apicv);
  EXPECT_TRUE(planned.value().proc2 & proc2::kEnableVpid);
  EXPECT_TRUE(planned.value().pin & pin::kPreemptionTimer);
  EXPECT_TRUE(planned.value().proc & proc::kUseTprShadow);
  EXPECT_FALSE(planned.value().proc & proc::kCr8LoadExiting);
}

TEST(CapabilityReport, GivenAModelWithoutEptWhenAssessedThenRefusedWithTheBootMessage) {
  static VmxCapabilities caps;
  caps = test::load_vmx_caps("bochs_core2_penryn_t9600.txt");
  EXPECT_EQ(assess_capabilities(caps), CapsVerdict::no_ept);
  const auto lines = lines_of([](LineFn emit) { describe_verdict(assess_capabilities(caps), emit); });
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0], "vmx: this VT-x has no usable EPT (4-level, write-back); nucleo maps guest memory with EPT only.");
  FeatureUse rows[kFeatureRows];
  feature_uses(caps, rows);
  EXPECT_FALSE(row(rows, "EPT (4-level walk, write-back)")->present);
  EXPECT_NE(std::string(row(rows, "EPT (4-level walk, write-back)")->use).find("code 20"), std::string::npos);
  EXPECT_FALSE(row(rows, "VPID")->present);
}

TEST(CapabilityReport, GivenNoUnrestrictedGuestWhenAssessedThenRefusedForThatReason) {
  static VmxCapabilities caps;
  caps = test::load_vmx_caps("kvm_nested_intel.txt");
  caps.proc2 &= ~(u64{proc2::kUnrestrictedGuest} << 32);  // kvm_intel unrestricted_guest=0
  EXPECT_EQ(assess_capabilities(caps), CapsVerdict::no_unrestricted_guest);
  const auto lines = lines_of([](LineFn emit) { describe_verdict(assess_capabilities(caps), emit); });
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_NE(lines[0].find("no unrestricted guest"), std::string::npos);
  EXPECT_TRUE(lines_of([](LineFn emit) { describe_verdict(CapsVerdict::usable, emit); }).empty());
}

TEST(CapabilityReport, GivenMissingControlsWhenPlannedThenTheMissingBitsAreNamedAndRowsSayRefused) {
  VmxCapabilities c = test::load_vmx_caps("kvm_nested_intel.txt");
  // No APIC-access virtualization and no TPR shadow (kvm_intel flexpriority=0 on an old host).
  c.proc2 &= ~(u64{proc2::kVirtualizeApicAccesses | proc2::kApicRegisterVirtualization |
                   proc2::kVirtualInterruptDelivery} << 32);
  c.proc &= ~(u64{proc::kUseTprShadow} << 32);
  const Result<VcpuControls> with_lapic = plan_controls(c, true, false);
  ASSERT_FALSE(with_lapic.ok());
  EXPECT_EQ(with_lapic.error().offset, proc::kUseTprShadow);
  const Result<VcpuControls> without = plan_controls(c, false, false);
  ASSERT_TRUE(without.ok());
  EXPECT_TRUE(without.value().proc & proc::kCr8LoadExiting);
  EXPECT_FALSE(without.value().apicv);
  FeatureUse rows[kFeatureRows];
  feature_uses(c, rows);
  EXPECT_FALSE(row(rows, "controls of a VM with a virtual local APIC (configured VMs)")->present);
  EXPECT_TRUE(row(rows, "controls of a VM without one (test VMs)")->present);
  EXPECT_FALSE(row(rows, "APIC-register virtualization and virtual-interrupt delivery")->present);
  EXPECT_FALSE(row(rows, "virtualize APIC accesses")->present);
}

TEST(CapabilityReport, GivenEveryBochsRecordingWhenReportedThenEveryRowIsFilled) {
  for (const char* file : {"bochs_corei7_haswell_4770.txt", "bochs_corei7_sandy_bridge_2600k.txt",
                           "bochs_corei7_skylake_x.txt", "bochs_tigerlake.txt"}) {
    SCOPED_TRACE(file);
    const VmxCapabilities c = test::load_vmx_caps(file);
    EXPECT_EQ(assess_capabilities(c), CapsVerdict::usable);
    FeatureUse rows[kFeatureRows];
    feature_uses(c, rows);
    for (const FeatureUse& r : rows) {
      ASSERT_NE(r.feature, nullptr);
      ASSERT_NE(r.use, nullptr);
      EXPECT_GT(std::string(r.use).size(), 5u);
    }
  }
}

}  // namespace

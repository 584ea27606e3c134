// SPDX-License-Identifier: MIT
// VMX capability decoding and control computation (SDM Vol. 3D Appendix A)
// against the IA32_VMX_* MSRs of real processors and, when present, the
// recordings in host-tests/data/vmx/*.txt.
#include "vmx/core/capabilities.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "host-tests/support/vmx_caps_file.hpp"

namespace nucleo::vmx {
namespace {

// Answers RDMSR from a table; reading an MSR the table lacks is what would
// #GP on that CPU, so it fails the test.
class TableMsrReader final : public MsrReader {
 public:
  explicit TableMsrReader(std::map<u32, u64> values, std::string cpu = "")
      : values_(std::move(values)), cpu_(std::move(cpu)) {}
  u64 rdmsr(u32 msr) override {
    reads_.insert(msr);
    const auto it = values_.find(msr);
    if (it == values_.end()) {
      ADD_FAILURE() << cpu_ << ": RDMSR of 0x" << std::hex << msr << ", which this CPU does not have (#GP)";
      return 0;
    }
    return it->second;
  }
  const std::set<u32>& reads() const { return reads_; }

 private:
  std::map<u32, u64> values_;
  std::string cpu_;
  std::set<u32> reads_;
};

// Values recorded by VBoxCpuReport, from VirtualBox's CPU database
// (src/VBox/VMM/VMMR3/cpus/<name>.h in the VirtualBox sources).
// Intel Core 2 X6800 (Merom, Intel_Core2_X6800_2_93GHz.h): VMX without
// secondary controls and without the TRUE_ MSRs.
const std::map<u32, u64> kCore2X6800 = {
    {0x480, 0x001a040000000007}, {0x481, 0x0000001f00000016}, {0x482, 0x77b9fffe0401e172}, {0x483, 0x0003efff00036dff},
    {0x484, 0x00001fff000011ff}, {0x485, 0x00000000000403c0}, {0x486, 0x0000000080000021}, {0x487, 0x00000000ffffffff},
    {0x488, 0x0000000000002000}, {0x489, 0x00000000000027ff}, {0x48a, 0x000000000000002c},
};
// Intel Core i7-5600U (Broadwell, Intel_Core_i7_5600U.h).
const std::map<u32, u64> kBroadwellI7_5600U = {
    {0x480, 0x00da040000000012}, {0x481, 0x0000007f00000016}, {0x482, 0xfff9fffe0401e172}, {0x483, 0x007fffff00036dff},
    {0x484, 0x0000ffff000011ff}, {0x485, 0x00000000300481e5}, {0x486, 0x0000000080000021}, {0x487, 0x00000000ffffffff},
    {0x488, 0x0000000000002000}, {0x489, 0x00000000003767ff}, {0x48a, 0x000000000000002a}, {0x48b, 0x00057cff00000000},
    {0x48c, 0x00000f0106334141}, {0x48d, 0x0000007f00000016}, {0x48e, 0xfff9fffe04006172}, {0x48f, 0x007fffff00036dfb},
    {0x490, 0x0000ffff000011fb}, {0x491, 0x0000000000000001},
};
// Intel Core i7-6700K (Skylake, Intel_Core_i7_6700K.h).
const std::map<u32, u64> kSkylakeI7_6700K = {
    {0x480, 0x00da040000000004}, {0x481, 0x0000007f00000016}, {0x482, 0xfff9fffe0401e172}, {0x483, 0x01ffffff00036dff},
    {0x484, 0x0003ffff000011ff}, {0x485, 0x000000007004c1e7}, {0x486, 0x0000000080000021}, {0x487, 0x00000000ffffffff},
    {0x488, 0x0000000000002000}, {0x489, 0x00000000003727ff}, {0x48a, 0x000000000000002e}, {0x48b, 0x001ffcff00000000},
    {0x48c, 0x00000f0106334141}, {0x48d, 0x0000007f00000016}, {0x48e, 0xfff9fffe04006172}, {0x48f, 0x01ffffff00036dfb},
    {0x490, 0x0003ffff000011fb}, {0x491, 0x0000000000000001},
};

struct Features {
  u32 revision;
  bool true_controls, secondary, ept, vpid, unrestricted, ept_2m, ept_1g, ept_wb, ept_4level;
  bool preemption_timer, vmcs_shadowing, vmfunc, virtual_interrupt_delivery, invept_all, invvpid_single;
  u32 timer_shift;
};

void expect_features(const VmxCapabilities& c, const Features& f) {
  EXPECT_EQ(c.revision(), f.revision);
  EXPECT_EQ(c.region_size(), 1024u);
  EXPECT_EQ(c.memory_type(), 6);
  EXPECT_EQ(c.true_controls(), f.true_controls);
  EXPECT_EQ(c.has_secondary(), f.secondary);
  EXPECT_EQ(c.has_ept(), f.ept);
  EXPECT_EQ(c.has_vpid(), f.vpid);
  EXPECT_EQ(c.has_unrestricted_guest(), f.unrestricted);
  EXPECT_EQ(c.ept_2mb_pages(), f.ept_2m);
  EXPECT_EQ(c.ept_1gb_pages(), f.ept_1g);
  EXPECT_EQ(c.ept_write_back(), f.ept_wb);
  EXPECT_EQ(c.ept_4level(), f.ept_4level);
  EXPECT_EQ(c.has_preemption_timer(), f.preemption_timer);
  EXPECT_EQ(c.has_vmcs_shadowing(), f.vmcs_shadowing);
  EXPECT_EQ(c.has_vmfunc(), f.vmfunc);
  EXPECT_EQ(c.has_virtual_interrupt_delivery(), f.virtual_interrupt_delivery);
  EXPECT_EQ(c.invept_all(), f.invept_all);
  EXPECT_EQ(c.invvpid_single(), f.invvpid_single);
  EXPECT_EQ(c.preemption_timer_shift(), f.timer_shift);
}

TEST(ReadCapabilities, GivenCore2X6800WhenReadThenNoSecondaryControlsAndNoTrueMsrs) {
  TableMsrReader msrs(kCore2X6800, "Core 2 X6800");
  const VmxCapabilities c = read_capabilities(msrs);
  expect_features(c, {7, false, false, false, false, false, false, false, false, false, false, false, false, false,
                      false, false, 0});
  EXPECT_EQ(c.pin, 0x0000001f00000016u);  // the legacy MSRs
  EXPECT_EQ(c.proc, 0x77b9fffe0401e172u);
  EXPECT_EQ(c.proc2, 0u);
  EXPECT_EQ(c.ept_vpid, 0u);
  EXPECT_EQ(msrs.reads(), (std::set<u32>{0x480, 0x481, 0x482, 0x483, 0x484, 0x485, 0x486, 0x487, 0x488, 0x489}));
}

TEST(ReadCapabilities, GivenBroadwellI7_5600UWhenReadThenEptVpidUnrestrictedAndTrueControls) {
  TableMsrReader msrs(kBroadwellI7_5600U, "Core i7-5600U");
  const VmxCapabilities c = read_capabilities(msrs);
  expect_features(c,
                  {0x12, true, true, true, true, true, true, true, true, true, true, true, true, false, true, true, 5});
  EXPECT_EQ(c.pin, kBroadwellI7_5600U.at(0x48d));  // TRUE_ MSRs replace the legacy ones
  EXPECT_EQ(c.proc, kBroadwellI7_5600U.at(0x48e));
  EXPECT_EQ(c.exit, kBroadwellI7_5600U.at(0x48f));
  EXPECT_EQ(c.entry, kBroadwellI7_5600U.at(0x490));
  EXPECT_EQ(c.vmfunc, 1u);
  EXPECT_EQ(msrs.reads().count(0x481), 0u);
  EXPECT_EQ(msrs.reads().count(0x482), 0u);
}

TEST(ReadCapabilities, GivenSkylakeI7_6700KWhenReadThenEptVpidUnrestrictedAndTrueControls) {
  TableMsrReader msrs(kSkylakeI7_6700K, "Core i7-6700K");
  const VmxCapabilities c = read_capabilities(msrs);
  expect_features(c, {4, true, true, true, true, true, true, true, true, true, true, true, true, false, true, true, 7});
  EXPECT_TRUE(c.has_apic_virtualization());
  EXPECT_FALSE(c.has_posted_interrupts());
  EXPECT_EQ(c.cr4_fixed1, 0x3727ffu);
  EXPECT_EQ(msrs.reads(),
            (std::set<u32>{0x480, 0x485, 0x486, 0x487, 0x488, 0x489, 0x48b, 0x48c, 0x48d, 0x48e, 0x48f, 0x490, 0x491}));
}

TEST(ComputeControls, GivenAllowed0BitsWhenNothingAskedThenForcedBitsOnly) {
  EXPECT_EQ(compute_controls(0x0000007f00000016, 0, 0).value(), 0x16u);  // pin-based default1
  EXPECT_EQ(compute_controls(0xfff9fffe04006172, 0, 0).value(), 0x04006172u);
  EXPECT_EQ(compute_controls(0xfff9fffe0401e172, 0, 0).value(), 0x0401e172u);  // legacy: CR3 exiting forced
  EXPECT_EQ(compute_controls(0, 0, 0xFFFFFFFF).value(), 0u);
  EXPECT_EQ(compute_controls(~u64{0}, 0, 0).value(), 0xFFFFFFFFu);
}

TEST(ComputeControls, GivenSupportedRequiredAndWantedBitsWhenComputedThenAllSet) {
  const Result<u32> pin = compute_controls(0x0000007f00000016, pin::kExternalInterruptExiting | pin::kNmiExiting,
                                           pin::kVirtualNmis | pin::kPreemptionTimer);
  ASSERT_TRUE(pin.ok());
  EXPECT_EQ(pin.value(), 0x16u | 0x1 | 0x8 | 0x20 | 0x40);
  const Result<u32> proc2 =
      compute_controls(0x001ffcff00000000, proc2::kEnableEpt | proc2::kUnrestrictedGuest, proc2::kEnableVpid);
  EXPECT_EQ(proc2.value(), proc2::kEnableEpt | proc2::kUnrestrictedGuest | proc2::kEnableVpid);
}

TEST(ComputeControls, GivenRequiredBitsMissingWhenComputedThenErrorNamesExactlyTheMissingBits) {
  const Result<u32> r = compute_controls(0x0000007f00000016, pin::kPostedInterrupts | pin::kNmiExiting, 0);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().status, Status::unsupported);
  EXPECT_EQ(r.error().offset, pin::kPostedInterrupts);
  // Core 2: no secondary controls at all.
  const Result<u32> proc = compute_controls(0x77b9fffe0401e172, proc::kSecondaryControls | proc::kHltExiting, 0);
  ASSERT_FALSE(proc.ok());
  EXPECT_EQ(proc.error().offset, proc::kSecondaryControls);
  // Skylake client: no APIC-register virtualization or virtual-interrupt delivery.
  const Result<u32> apicv = compute_controls(
      0x001ffcff00000000, proc2::kApicRegisterVirtualization | proc2::kVirtualInterruptDelivery | proc2::kEnableEpt, 0);
  ASSERT_FALSE(apicv.ok());
  EXPECT_EQ(apicv.error().offset, proc2::kApicRegisterVirtualization | proc2::kVirtualInterruptDelivery);
}

TEST(ComputeControls, GivenWantedBitsUnsupportedWhenComputedThenDropped) {
  const Result<u32> pin = compute_controls(0x0000007f00000016, 0, pin::kPostedInterrupts | pin::kPreemptionTimer);
  EXPECT_EQ(pin.value(), 0x16u | pin::kPreemptionTimer);
  const Result<u32> core2 = compute_controls(0x0000001f00000016, pin::kNmiExiting, pin::kPreemptionTimer);
  EXPECT_EQ(core2.value(), 0x16u | pin::kNmiExiting);
  const Result<u32> proc2 = compute_controls(0x00057cff00000000, proc2::kEnableEpt, proc2::kVirtualInterruptDelivery);
  EXPECT_EQ(proc2.value(), proc2::kEnableEpt);
}

VmxCapabilities fixed_caps() {
  VmxCapabilities c;
  c.cr0_fixed0 = 0x80000021;  // PG, NE, PE
  c.cr0_fixed1 = 0xffffffff;
  c.cr4_fixed0 = 0x2000;  // VMXE
  c.cr4_fixed1 = 0x3727ff;
  return c;
}

TEST(ApplyFixedBits, GivenCr0ValuesWhenAppliedThenFixed0SetAndNonFixed1Cleared) {
  const VmxCapabilities c = fixed_caps();
  EXPECT_EQ(apply_cr0_fixed(c, 0, false), 0x80000021u);
  EXPECT_EQ(apply_cr0_fixed(c, 0, true), 0x20u);                 // unrestricted: PE and PG may stay 0
  EXPECT_EQ(apply_cr0_fixed(c, 0x80000001, true), 0x80000021u);  // but are kept when asked for
  EXPECT_EQ(apply_cr0_fixed(c, 0x60000010, false), 0xE0000031u);
  EXPECT_EQ(apply_cr0_fixed(c, (u64{1} << 32) | 0x11, false), 0x80000031u);  // bit 32 not allowed
  VmxCapabilities no_cd = c;
  no_cd.cr0_fixed1 = 0xBFFFFFFF;
  EXPECT_EQ(apply_cr0_fixed(no_cd, 0x60000000, false), 0xA0000021u);
}

TEST(ApplyFixedBits, GivenCr4ValuesWhenAppliedThenVmxeSetAndUnsupportedCleared) {
  const VmxCapabilities c = fixed_caps();
  EXPECT_EQ(apply_cr4_fixed(c, 0), 0x2000u);
  EXPECT_EQ(apply_cr4_fixed(c, 0x20), 0x2020u);
  EXPECT_EQ(apply_cr4_fixed(c, 0x1000), 0x2000u);  // LA57 is not in this CPU's fixed1
  EXPECT_EQ(apply_cr4_fixed(c, 0x3727ff), 0x3727ffu);
  EXPECT_EQ(apply_cr4_fixed(c, ~u64{0}), 0x3727ffu);
}

// host-tests/data/vmx/*.txt: one "0x<msr> 0x<value>" per line, '#' starts a
// comment. A line "# expect: ept=1 vpid=1 unrestricted=1 ept_2m=1 ept_1g=1
// true_controls=1 secondary=1 vmfunc=1 preemption_timer=1" (any subset)
// states the decoded features; files named in kBochs are checked there.
struct Recording {
  std::string name;
  std::map<u32, u64> msrs;
  std::map<std::string, bool> expect;
};

std::vector<Recording> load_recordings() {
  std::vector<Recording> out;
  const std::filesystem::path dir = std::filesystem::path(NUCLEO_TEST_DATA) / "vmx";
  if (!std::filesystem::is_directory(dir)) return out;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().extension() != ".txt") continue;
    Recording r{entry.path().filename().string(), {}, {}};
    std::ifstream in(entry.path());
    std::string line;
    while (std::getline(in, line)) {
      const auto expect_at = line.find("# expect:");
      if (expect_at != std::string::npos) {
        std::istringstream words(line.substr(expect_at + 9));
        std::string word;
        while (words >> word) {
          const auto eq = word.find('=');
          if (eq != std::string::npos) r.expect[word.substr(0, eq)] = word.substr(eq + 1) == "1";
        }
        continue;
      }
      line = line.substr(0, line.find('#'));
      std::istringstream fields(line);
      std::string msr, value;
      if (!(fields >> msr >> value)) continue;
      r.msrs[static_cast<u32>(std::stoul(msr, nullptr, 0))] = std::stoull(value, nullptr, 0);
    }
    out.push_back(std::move(r));
  }
  return out;
}

void expect_consistent(const VmxCapabilities& c) {
  EXPECT_NE(c.revision(), 0u);
  EXPECT_GT(c.region_size(), 0u);
  EXPECT_LE(c.region_size(), 4096u);
  EXPECT_TRUE(c.memory_type() == 0 || c.memory_type() == 6) << int{c.memory_type()};
  // Every control MSR: bits that must be 1 are allowed to be 1 (A.3-A.5), so
  // asking for nothing yields exactly the forced bits.
  for (u64 cap : {c.pin, c.proc, c.exit, c.entry, c.proc2}) {
    const auto must = static_cast<u32>(cap), may = static_cast<u32>(cap >> 32);
    EXPECT_EQ(must & ~may, 0u) << std::hex << cap;
    EXPECT_EQ(compute_controls(cap, 0, 0).value(), must);
  }
  EXPECT_EQ(c.cr0_fixed0 & ~c.cr0_fixed1, 0u);
  EXPECT_EQ(c.cr4_fixed0 & ~c.cr4_fixed1, 0u);
  EXPECT_TRUE(c.cr4_fixed0 & 0x2000) << "CR4.VMXE is fixed to 1 in VMX operation";
  if (c.has_ept()) EXPECT_TRUE(c.ept_4level());
}

// What the Bochs CPU models recorded in host-tests/data/vmx enumerate (read
// off the recorded MSRs by hand: IA32_VMX_PROCBASED_CTLS2 allowed-1 bits 1,
// 5, 7, 13; IA32_VMX_EPT_VPID_CAP bits 16, 17; pin-based allowed-1 bit 6).
struct Expected {
  const char* file;
  u32 revision;
  bool ept, vpid, unrestricted, ept_2m, ept_1g, vmfunc, preemption_timer;
};
constexpr Expected kBochs[] = {
    {"bochs_core2_penryn_t9600.txt", 0x2b, false, false, false, false, false, false, false},
    {"bochs_corei7_sandy_bridge_2600k.txt", 0x2b, true, true, true, true, false, false, true},
    {"bochs_corei7_haswell_4770.txt", 0x2b, true, true, true, true, true, true, true},
    {"bochs_corei7_skylake_x.txt", 0x2b, true, true, true, true, true, true, true},
    {"bochs_tigerlake.txt", 4, true, true, true, true, true, true, true},
};

TEST(ReadCapabilities, GivenRecordedMsrFilesWhenReadThenConsistentAndAsExpected) {
  const std::vector<Recording> recordings = load_recordings();
  if (recordings.empty()) GTEST_SKIP() << "no host-tests/data/vmx/*.txt recordings";
  usize matched = 0;
  for (const Recording& r : recordings) {
    SCOPED_TRACE(r.name);
    ASSERT_TRUE(r.msrs.count(cap_msr::kBasic)) << "IA32_VMX_BASIC missing";
    TableMsrReader msrs(r.msrs, r.name);
    const VmxCapabilities c = read_capabilities(msrs);
    expect_consistent(c);
    const std::map<std::string, bool> decoded = {{"true_controls", c.true_controls()},
                                                 {"secondary", c.has_secondary()},
                                                 {"ept", c.has_ept()},
                                                 {"vpid", c.has_vpid()},
                                                 {"unrestricted", c.has_unrestricted_guest()},
                                                 {"ept_2m", c.ept_2mb_pages()},
                                                 {"ept_1g", c.ept_1gb_pages()},
                                                 {"vmfunc", c.has_vmfunc()},
                                                 {"preemption_timer", c.has_preemption_timer()}};
    for (const auto& [key, value] : r.expect) {
      ASSERT_TRUE(decoded.count(key)) << "unknown expectation " << key;
      EXPECT_EQ(decoded.at(key), value) << key;
    }
    for (const Expected& e : kBochs) {
      if (r.name != e.file) continue;
      ++matched;
      EXPECT_EQ(c.revision(), e.revision);
      EXPECT_TRUE(c.true_controls());  // every Bochs VMX model reports the TRUE_ MSRs
      EXPECT_TRUE(c.has_secondary());
      EXPECT_EQ(c.has_ept(), e.ept);
      EXPECT_EQ(c.has_vpid(), e.vpid);
      EXPECT_EQ(c.has_unrestricted_guest(), e.unrestricted);
      EXPECT_EQ(c.ept_2mb_pages(), e.ept_2m);
      EXPECT_EQ(c.ept_1gb_pages(), e.ept_1g);
      EXPECT_EQ(c.has_vmfunc(), e.vmfunc);
      EXPECT_EQ(c.has_preemption_timer(), e.preemption_timer);
      // MSRs the model lacks were not read (they would #GP): the reader
      // fails the test on those, and these are the ones it must skip.
      EXPECT_EQ(msrs.reads().count(cap_msr::kEptVpid), e.ept || e.vpid ? 1u : 0u);
      EXPECT_EQ(msrs.reads().count(cap_msr::kVmfunc), e.vmfunc ? 1u : 0u);
    }
  }
  RecordProperty("recordings", static_cast<int>(recordings.size()));
  RecordProperty("bochs_models_checked", static_cast<int>(matched));
}

// What every vCPU's secondary controls require (vmx/hw/vcpu.cpp): on each
// recorded model that can run VMs at all, WBINVD exiting is in the word;
// on a CPU without it no VM starts (the error names bit 6), so a guest's
// WBINVD never runs natively.
TEST(ComputeControls, GivenEachRecordedModelWithEptWhenTheRequiredSecondaryControlsAreComputedThenWbinvdExits) {
  for (const Expected& e : kBochs) {
    if (!e.ept || !e.unrestricted) continue;
    SCOPED_TRACE(e.file);
    const VmxCapabilities c = test::load_vmx_caps(e.file);
    const Result<u32> proc2 = compute_controls(c.proc2, proc2::kRequired, 0);
    ASSERT_TRUE(proc2);
    EXPECT_NE(proc2.value() & proc2::kWbinvdExiting, 0u);
  }
  EXPECT_NE(proc2::kRequired & proc2::kWbinvdExiting, 0u);
  const u64 without_wbinvd_exiting = u64{0x001ffcff & ~proc2::kWbinvdExiting} << 32;
  const Result<u32> refused = compute_controls(without_wbinvd_exiting, proc2::kRequired, 0);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().offset, u64{proc2::kWbinvdExiting});
}

TEST(ReadCapabilities, GivenTheRealCpusWhenCheckedThenConsistent) {
  for (const auto* table : {&kCore2X6800, &kBroadwellI7_5600U, &kSkylakeI7_6700K}) {
    TableMsrReader msrs(*table);
    expect_consistent(read_capabilities(msrs));
  }
}

}  // namespace
}  // namespace nucleo::vmx

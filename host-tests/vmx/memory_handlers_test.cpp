// SPDX-License-Identifier: MIT
// EPT violation and misconfiguration exits (vmx/core/exit_memory.cpp): the
// VM stops and the diagnostic names the access, the guest-physical address,
// the VM's RAM and RIP.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "host-tests/support/exit_rig.hpp"

namespace nucleo::vmx::exit_test {
namespace {

using testing::HasSubstr;

struct AccessRow {
  u64 qualification;
  const char* access;
};

TEST(EptExit, GivenAViolationWhenHandledThenVmStopsNamingAccessAddressRamAndRip) {
  const AccessRow rows[] = {
      {0x181, "read of"},
      {0x182, "write of"},
      {0x184, "instruction fetch of"},
      {0x185, "instruction fetch of"},  // a fetch is named first
      {0x183, "write of"},
      {0x000, "read of"},
  };
  for (const AccessRow& row : rows) {
    ExitRig r;
    r.vmcs.set(Vmcs64::guest_physical_address, 0xFEE00030);
    r.vmcs.set(VmcsNat::guest_rip, 0x100234);
    EXPECT_FALSE(r.exit(ExitReason::ept_violation, row.qualification, 0));
    EXPECT_TRUE(is_stop(r.last, StopReason::bad_memory_access));
    EXPECT_TRUE(r.vm.stopped);
    EXPECT_EQ(r.vm.stop_reason, StopReason::bad_memory_access);
    const std::string d = r.diagnosis();
    EXPECT_THAT(d, HasSubstr(std::string(row.access) + " guest-physical 0xfee00030")) << row.qualification;
    EXPECT_THAT(d, HasSubstr("0-0x1fffff"));
    EXPECT_THAT(d, HasSubstr("RIP 0x100234"));
  }
}

TEST(EptExit, GivenAWriteToAPageBeingMigratedOrMovedWhenHandledThenTheInstructionRunsAgain) {
  for (const bool moving : {true, false}) {
    ExitRig r;
    u8 frame[16];
    if (moving) r.vm.moving_page = 0x5000;
    else ASSERT_TRUE(r.vm.moved.set(0x5000, frame));
    r.vmcs.set(Vmcs64::guest_physical_address, 0x5ff8);
    r.vmcs.set(VmcsNat::guest_rip, 0x100234);
    EXPECT_TRUE(r.exit(ExitReason::ept_violation, 0x18A, 0)) << moving;  // a write to a readable page
    EXPECT_FALSE(r.vm.stopped);
    EXPECT_EQ(r.rip(), 0x100234u);  // not advanced: the write runs again
    // A read, another page, or a write outside RAM still stops the VM.
    r.vmcs.set(Vmcs64::guest_physical_address, 0x6000);
    EXPECT_FALSE(r.exit(ExitReason::ept_violation, 0x18A, 0));
  }
  ExitRig r;
  r.vm.moving_page = 0x5000;
  r.vmcs.set(Vmcs64::guest_physical_address, 0x5000);
  EXPECT_FALSE(r.exit(ExitReason::ept_violation, 0x189, 0));  // a read is no migration's business
}

TEST(EptExit, GivenAMisconfigurationWhenHandledThenVmStopsAsAHypervisorErrorNamingTheAddress) {
  ExitRig r;
  r.vmcs.set(Vmcs64::guest_physical_address, 0x1FF000);
  EXPECT_FALSE(r.exit(ExitReason::ept_misconfiguration));
  EXPECT_TRUE(is_stop(r.last, StopReason::hypervisor_error));
  EXPECT_THAT(r.diagnosis(), HasSubstr("EPT misconfiguration at guest-physical 0x1ff000"));
}

}  // namespace
}  // namespace nucleo::vmx::exit_test

// SPDX-License-Identifier: MIT
#include "vmx/core/vmcs_fields.hpp"

#include <gtest/gtest.h>

#include <string>

namespace nucleo::vmx {
namespace {

// Bits 14:13 of an encoding give its width (SDM Vol. 3C 25.11.2).
static_assert(encoding_width(static_cast<u32>(Vmcs16::guest_cs)) == 0);
static_assert(encoding_width(static_cast<u32>(Vmcs64::ept_pointer)) == 1);
static_assert(encoding_width(static_cast<u32>(Vmcs32::exit_reason)) == 2);
static_assert(encoding_width(static_cast<u32>(VmcsNat::guest_rip)) == 3);

TEST(VmcsFields, GivenEncodingsOfEveryWidthWhenNamedThenTheNameIsTheEnumerator) {
  EXPECT_EQ(std::string(field_name(static_cast<u32>(Vmcs16::vpid))), "vpid");
  EXPECT_EQ(std::string(field_name(static_cast<u32>(Vmcs16::host_tr))), "host_tr");
  EXPECT_EQ(std::string(field_name(static_cast<u32>(Vmcs64::ept_pointer))), "ept_pointer");
  EXPECT_EQ(std::string(field_name(static_cast<u32>(Vmcs64::guest_efer))), "guest_efer");
  EXPECT_EQ(std::string(field_name(static_cast<u32>(Vmcs32::proc_controls2))), "proc_controls2");
  EXPECT_EQ(std::string(field_name(static_cast<u32>(Vmcs32::guest_activity_state))), "guest_activity_state");
  EXPECT_EQ(std::string(field_name(static_cast<u32>(VmcsNat::guest_rip))), "guest_rip");
  EXPECT_EQ(std::string(field_name(static_cast<u32>(VmcsNat::host_rip))), "host_rip");
}

TEST(VmcsFields, GivenEveryEncodingFrom0To0x6C16WhenNamedThenKnownOnesMatchTheirWidth) {
  u32 known = 0;
  for (u32 e = 0; e <= 0x6C16; ++e) {
    const std::string name = field_name(e);
    if (name == "unknown field") continue;
    ++known;
    // A field's name says whether it is guest or host state; its encoding's
    // type bits (11:10: 2 = guest state, 3 = host state) must agree.
    if (name.rfind("guest_", 0) == 0 && name != "guest_physical_address" && name != "guest_linear_address")
      EXPECT_EQ((e >> 10) & 3, 2u) << name;
    if (name.rfind("host_", 0) == 0) EXPECT_EQ((e >> 10) & 3, 3u) << name;
  }
  EXPECT_GT(known, 100u);
  EXPECT_STREQ(field_name(0xFFFF), "unknown field");
}

}  // namespace
}  // namespace nucleo::vmx

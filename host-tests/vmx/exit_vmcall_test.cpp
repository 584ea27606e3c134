// SPDX-License-Identifier: MIT
// VMCALL exits (vmx/core/exit_vmcall.cpp) against the hypercall ABI in
// guests/include/nucleo/hypercall.h: every function, the CPL check, the
// 32-bit view of the arguments outside 64-bit mode, console buffers out of
// range or too large, unknown functions.
#include <gtest/gtest.h>

#include "guests/include/nucleo/hypercall.h"
#include "host-tests/support/exit_rig.hpp"

namespace nucleo::vmx::exit_test {
namespace {

constexpr u64 err(long long e) { return static_cast<u64>(e); }

struct VmcallRig : ExitRig {
  bool call(u64 function, u64 rbx = 0, u64 rcx = 0) {
    regs.rax = function;
    regs.rbx = rbx;
    regs.rcx = rcx;
    return exit(ExitReason::vmcall, 0, 3);
  }
};

TEST(VmcallExit, GivenVersionWhenCalledThenAbiVersionAndRipAdvancesAndTheCallIsCounted) {
  VmcallRig r;
  r.regs.rdx = 0xD;
  r.regs.rsi = 0x5;
  ASSERT_TRUE(r.call(NUCLEO_HC_VERSION));
  EXPECT_TRUE(is_advance(r.last));
  EXPECT_EQ(r.regs.rax, u64{NUCLEO_HC_ABI_VERSION});
  EXPECT_EQ(r.regs.rdx, 0xDu);  // other registers preserved
  EXPECT_EQ(r.regs.rsi, 0x5u);
  EXPECT_EQ(r.rip(), ExitRig::kRip + 3);
  EXPECT_EQ(r.vcpu.hypercalls, 1u);
  ASSERT_TRUE(r.call(NUCLEO_HC_VERSION));
  EXPECT_EQ(r.vcpu.hypercalls, 2u);
}

// The bare VERSION call (RAX = 0 whole) means the same in every mode, so
// only the CPL is read: SS access rights, not CS.
TEST(VmcallExit, GivenVersionWithRaxZeroWhenCalledInEitherModeThenOnlyTheCplIsReadFromTheGuestState) {
  for (const bool long_mode : {false, true}) {
    VmcallRig r;
    if (long_mode) r.long64(0);
    r.regs.rbx = 0xFFFFFFFF00000001;
    r.touch.touched.clear();
    ASSERT_TRUE(r.call(NUCLEO_HC_VERSION, 0xFFFFFFFF00000001));
    EXPECT_EQ(r.regs.rax, u64{NUCLEO_HC_ABI_VERSION});
    EXPECT_EQ(r.regs.rbx, 0xFFFFFFFF00000001u);  // not an argument of VERSION: untouched
    EXPECT_EQ(r.touch.touched.count(FakeVmcs::code(Vmcs32::guest_ss_access)), 1u);
    EXPECT_EQ(r.touch.touched.count(FakeVmcs::code(Vmcs32::guest_cs_access)), 0u);
    EXPECT_EQ(r.vcpu.hypercalls, 1u);
  }
}

TEST(VmcallExit, GivenVersionInTheLowHalfOnlyWhenCalledFromThirtyTwoBitsThenStillTheVersion) {
  VmcallRig r;  // CS.L = 0: RAX bits 63:32 are not the guest's
  ASSERT_TRUE(r.call(0xFFFFFFFF00000000 | NUCLEO_HC_VERSION));
  EXPECT_EQ(r.regs.rax, u64{NUCLEO_HC_ABI_VERSION});
}

TEST(VmcallExit, GivenConsoleWriteWhenTheBufferIsInRamThenLinesPrintedAndRaxIsTheLength) {
  VmcallRig r;
  const std::string text = "hello\r\nworld\x01\tend\n";
  r.poke(0x3000, text.data(), text.size());
  ASSERT_TRUE(r.call(NUCLEO_HC_CONSOLE_WRITE, 0x3000, text.size()));
  EXPECT_EQ(r.regs.rax, text.size());
  EXPECT_EQ(test::g_vm_console_lines, (std::vector<std::string>{"[test-vm] hello", "[test-vm] world?\tend"}));
}

TEST(VmcallExit, GivenConsoleWriteWithoutNewlineWhenCalledThenTheLineWaitsForMore) {
  VmcallRig r;
  r.poke(0x3000, "par", 3);
  r.poke(0x3100, "tial\n", 5);
  ASSERT_TRUE(r.call(NUCLEO_HC_CONSOLE_WRITE, 0x3000, 3));
  EXPECT_TRUE(test::g_vm_console_lines.empty());
  ASSERT_TRUE(r.call(NUCLEO_HC_CONSOLE_WRITE, 0x3100, 5));
  EXPECT_EQ(test::g_vm_console_lines, std::vector<std::string>{"[test-vm] partial"});
}

TEST(VmcallExit, GivenConsoleWriteOfTheMaximumSizeAtTheEndOfRamWhenCalledThenAccepted) {
  VmcallRig r;
  std::memset(r.ram.data() + ExitRig::kRamSize - NUCLEO_HC_CONSOLE_MAX, 'x', NUCLEO_HC_CONSOLE_MAX);
  ASSERT_TRUE(r.call(NUCLEO_HC_CONSOLE_WRITE, ExitRig::kRamSize - NUCLEO_HC_CONSOLE_MAX, NUCLEO_HC_CONSOLE_MAX));
  EXPECT_EQ(r.regs.rax, u64{NUCLEO_HC_CONSOLE_MAX});
  r.vm.console.flush();
  ASSERT_FALSE(test::g_vm_console_lines.empty());  // 200-character lines
  EXPECT_EQ(test::g_vm_console_lines[0], "[test-vm] " + std::string(200, 'x'));
}

struct RangeRow {
  u64 rbx, rcx;
};

TEST(VmcallExit, GivenConsoleBufferOutsideRamOrTooLargeWhenCalledThenRangeErrorAndNothingPrinted) {
  const RangeRow rows[] = {
      {ExitRig::kRamSize - 4, 8},                // runs off the end
      {ExitRig::kRamSize, 1},                    // starts at the end
      {0xFFFFFFFFFFFFFFF0, 0x20},                // wraps around
      {0x1000, NUCLEO_HC_CONSOLE_MAX + 1},       // in RAM but too long
      {0x1000, 0xFFFFFFFFFFFFFFFF},
  };
  for (const RangeRow& row : rows) {
    VmcallRig r;
    r.long64(0);  // 64-bit: the arguments are taken whole
    ASSERT_TRUE(r.call(NUCLEO_HC_CONSOLE_WRITE, row.rbx, row.rcx));
    EXPECT_TRUE(is_advance(r.last));
    EXPECT_EQ(r.regs.rax, err(NUCLEO_HC_E_RANGE)) << std::hex << row.rbx << " " << row.rcx;
    r.vm.console.flush();
    EXPECT_TRUE(test::g_vm_console_lines.empty());
  }
}

TEST(VmcallExit, GivenConsoleWriteOfZeroBytesWhenCalledThenZeroEvenForAnAddressOutsideRam) {
  for (const u64 rbx : {u64{0x3000}, u64{0xFFFFFFFF}}) {
    VmcallRig r;
    ASSERT_TRUE(r.call(NUCLEO_HC_CONSOLE_WRITE, rbx, 0));
    EXPECT_EQ(r.regs.rax, 0u);
  }
}

TEST(VmcallExit, GivenExitWhenCalledThenVmStopsWithTheCodeAndRipStays) {
  VmcallRig r;
  EXPECT_FALSE(r.call(NUCLEO_HC_EXIT, 42));
  EXPECT_TRUE(is_stop(r.last, StopReason::guest_exit, 42));
  EXPECT_TRUE(r.vm.stopped);
  EXPECT_EQ(r.vm.stop_reason, StopReason::guest_exit);
  EXPECT_EQ(r.vm.exit_code, 42u);
  EXPECT_EQ(r.rip(), ExitRig::kRip);
}

TEST(VmcallExit, GivenVcpuInfoWhenCalledThenIndexAndCount) {
  VmcallRig r;
  r.vcpu.id = 2;
  r.vcpu.vcpu_count = 3;
  ASSERT_TRUE(r.call(NUCLEO_HC_VCPU_INFO));
  EXPECT_EQ(r.regs.rax, 2u);
  EXPECT_EQ(r.regs.rbx, 3u);
}

TEST(VmcallExit, GivenUnknownFunctionWhenCalledThenUnknownErrorAndRipAdvances) {
  for (const u64 function : {u64{NUCLEO_HC_FUNCTION_COUNT}, u64{0xFFFF}, u64{1} << 32, ~u64{0}}) {
    VmcallRig r;
    r.long64(0);
    ASSERT_TRUE(r.call(function));
    EXPECT_TRUE(is_advance(r.last));
    EXPECT_EQ(r.regs.rax, err(NUCLEO_HC_E_UNKNOWN)) << std::hex << function;
  }
}

TEST(VmcallExit, GivenCplAboveZeroWhenAnyFunctionIsCalledThenPrivilegeErrorAndNothingHappens) {
  for (const u32 cpl : {1u, 2u, 3u}) {
    for (const u64 function : {u64{NUCLEO_HC_VERSION}, u64{NUCLEO_HC_CONSOLE_WRITE}, u64{NUCLEO_HC_EXIT}}) {
      VmcallRig r;
      r.cpl(cpl);
      r.poke(0x3000, "no\n", 3);
      ASSERT_TRUE(r.call(function, 0x3000, 3));
      EXPECT_TRUE(is_advance(r.last));
      EXPECT_EQ(r.regs.rax, err(NUCLEO_HC_E_PRIVILEGE)) << "CPL " << cpl << " function " << function;
      EXPECT_FALSE(r.vm.stopped);
      EXPECT_TRUE(test::g_vm_console_lines.empty());
      EXPECT_EQ(r.vcpu.hypercalls, 1u);
    }
  }
}

TEST(VmcallExit, GivenThirtyTwoBitGuestWhenArgumentsHaveHighBitsThenOnlyTheLowHalvesCount) {
  VmcallRig r;  // CS.L = 0
  r.poke(0x3000, "low\n", 4);
  r.regs.rdx = 0xFFFFFFFF00000000;
  ASSERT_TRUE(r.call(0xDEAD000000000000 | NUCLEO_HC_CONSOLE_WRITE, 0xFFFFFFFF00003000, 0x0000000100000004));
  EXPECT_EQ(r.regs.rax, 4u);
  // ABI v2: the dispatcher reads the low halves and writes back only results.
  EXPECT_EQ(r.regs.rbx, 0xFFFFFFFF00003000u);
  EXPECT_EQ(r.regs.rcx, 0x0000000100000004u);
  EXPECT_EQ(r.regs.rdx, 0xFFFFFFFF00000000u);  // not an argument: untouched
  EXPECT_EQ(test::g_vm_console_lines, std::vector<std::string>{"[test-vm] low"});
}

TEST(VmcallExit, GivenSixtyFourBitGuestWhenArgumentsHaveHighBitsThenTheyAreTakenWhole) {
  VmcallRig r;
  r.long64(0);
  r.poke(0x3000, "low\n", 4);
  ASSERT_TRUE(r.call(NUCLEO_HC_CONSOLE_WRITE, 0xFFFFFFFF00003000, 4));
  EXPECT_EQ(r.regs.rax, err(NUCLEO_HC_E_RANGE));
  ASSERT_TRUE(r.call(0xDEAD000000000000 | NUCLEO_HC_VERSION));
  EXPECT_EQ(r.regs.rax, err(NUCLEO_HC_E_UNKNOWN));
}

TEST(VmcallExit, GivenThirtyTwoBitGuestAtCplThreeWhenCalledThenTheErrorIsStillNegativeIn64Bits) {
  VmcallRig r;
  r.cpl(3);
  ASSERT_TRUE(r.call(0xFFFFFFFF00000000));
  EXPECT_EQ(r.regs.rax, err(NUCLEO_HC_E_PRIVILEGE));
}

}  // namespace
}  // namespace nucleo::vmx::exit_test

// SPDX-License-Identifier: MIT
// Resetting the machine (kernel/virt/devices/reset_control.cpp): the
// keyboard controller's 0xFE command on port 0x64 and RST_CPU in the reset
// control register 0xCF9 (the FADT's RESET_REG) end the VM's run as a
// reboot request, through the I/O exit as a guest does it; everything else
// on those ports leaves the VM running.
#include "kernel/virt/devices/reset_control.hpp"

#include <gtest/gtest.h>

#include "host-tests/support/exit_rig.hpp"
#include "host-tests/support/io_recorder.hpp"

namespace nucleo::vmx::exit_test {
namespace {

using test::Dir;
using test::io_qual;

struct ResetRig : ExitRig {
  ResetControl reset{vm};
  ResetRig() {
    EXPECT_TRUE(vm.io.attach(ResetControl::kKbcCommand, ResetControl::kKbcCommand, reset));
    EXPECT_TRUE(vm.io.attach(ResetControl::kResetControl, ResetControl::kResetControl, reset));
  }
  bool out(u16 port, u32 value, u8 size = 1) {
    regs.rax = value;
    return exit(ExitReason::io_instruction, io_qual(port, size, Dir::out), 1);
  }
  u32 in(u16 port) {
    regs.rax = 0xAAAA;
    EXPECT_TRUE(exit(ExitReason::io_instruction, io_qual(port, 1, Dir::in), 1));
    return static_cast<u32>(regs.rax & 0xFF);
  }
};

TEST(ResetControl, GivenKeyboardControllerCommand0xFeWhenWrittenThenTheVmEndsAsARebootRequest) {
  ResetRig r;
  EXPECT_EQ(r.in(ResetControl::kKbcCommand), 0u) << "input buffer empty: a guest's wait loop goes on";
  EXPECT_FALSE(r.out(ResetControl::kKbcCommand, 0xFE));
  EXPECT_TRUE(is_stop(r.last, StopReason::reboot_requested));
  EXPECT_TRUE(r.vm.stopped);
  EXPECT_EQ(r.vm.stop_reason, StopReason::reboot_requested);
  EXPECT_EQ(r.diagnosis(), "the guest reset the machine: keyboard controller reset (port 0x64, command 0xfe)");
}

TEST(ResetControl, GivenTheFadtResetValueWrittenTo0xCf9ThenTheVmEndsAsARebootRequest) {
  ResetRig r;
  EXPECT_FALSE(r.out(ResetControl::kResetControl, ResetControl::kFadtResetValue));
  EXPECT_TRUE(is_stop(r.last, StopReason::reboot_requested));
  EXPECT_EQ(r.diagnosis(), "the guest reset the machine: reset control register (port 0xcf9)");
}

TEST(ResetControl, GivenOtherCommandsAndResetTypeBitsWithoutRstCpuThenTheVmRunsOnAndTheBitsReadBack) {
  ResetRig r;
  EXPECT_TRUE(r.out(ResetControl::kKbcCommand, 0xAD));  // "disable keyboard": accepted, no effect
  EXPECT_TRUE(r.out(ResetControl::kResetControl, ResetControl::kSysRst | ResetControl::kFullRst));
  EXPECT_TRUE(is_advance(r.last));
  EXPECT_FALSE(r.vm.stopped);
  EXPECT_FALSE(r.vm.reset_requested);
  EXPECT_EQ(r.in(ResetControl::kResetControl), u32{ResetControl::kSysRst | ResetControl::kFullRst});
}

TEST(ResetControl, GivenWordOrDwordAccessesThenTheyAreNotTheByteRegisters) {
  Vm vm;
  ResetControl reset(vm);
  u32 v = 0;
  EXPECT_FALSE(reset.io_in(ResetControl::kResetControl, 2, v));
  EXPECT_FALSE(reset.io_out(ResetControl::kResetControl, 4, 0x06));
  EXPECT_FALSE(reset.io_out(ResetControl::kKbcCommand, 2, 0xFE));
  EXPECT_FALSE(reset.io_in(0x60, 1, v)) << "no data port: not part of this device";
  EXPECT_FALSE(reset.io_out(0x60, 1, 0));
  EXPECT_FALSE(vm.reset_requested);
}

}  // namespace
}  // namespace nucleo::vmx::exit_test

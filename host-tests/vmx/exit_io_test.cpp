// SPDX-License-Identifier: MIT
// IN/OUT exits (vmx/core/exit_io.cpp): byte, word and dword accesses and
// which parts of RAX they keep, the port bus's all-ones for unclaimed
// ports, the reserved size encoding, and the devices that end a VM (QEMU's
// isa-debug-exit, the Bochs "Shutdown" port) and talk (COM1).
#include <gtest/gtest.h>

#include "host-tests/support/exit_rig.hpp"
#include "host-tests/support/io_recorder.hpp"
#include "kernel/virt/devices/debug_devices.hpp"

namespace nucleo::vmx::exit_test {
namespace {

using test::Dir;
using test::io_qual;
using test::IoRecorder;

struct SizeRow {
  u8 size;
  u32 out_value;  // of RAX = 0x1122334455667788
  u64 rax_after_in;  // of RAX = 0xAAAA...AA, device value 0x12345678
};
constexpr SizeRow kSizes[] = {
    {1, 0x88, 0xAAAAAAAAAAAAAA78},
    {2, 0x7788, 0xAAAAAAAAAAAA5678},
    {4, 0x55667788, 0x0000000012345678},  // IN EAX zero-extends into RAX
};

TEST(IoExit, GivenOutOfEachSizeWhenHandledThenDeviceGetsTheLowBytesOfRaxAndRaxIsKept) {
  for (const SizeRow& row : kSizes) {
    SCOPED_TRACE(int{row.size});
    ExitRig r;
    IoRecorder dev;
    ASSERT_TRUE(r.vm.io.attach(0x70, 0x71, dev));
    r.regs.rax = 0x1122334455667788;
    ASSERT_TRUE(r.exit(ExitReason::io_instruction, io_qual(0x71, row.size, Dir::out), 1));
    EXPECT_TRUE(is_advance(r.last));
    ASSERT_EQ(dev.log.size(), 1u);
    EXPECT_EQ(dev.log[0], (IoRecorder::Access{false, 0x71, row.size, row.out_value}));
    EXPECT_EQ(r.regs.rax, 0x1122334455667788u);
    EXPECT_EQ(r.rip(), ExitRig::kRip + 1);
  }
}

TEST(IoExit, GivenInOfEachSizeWhenHandledThenAlAxKeepTheRestOfRaxAndEaxZeroExtends) {
  for (const SizeRow& row : kSizes) {
    SCOPED_TRACE(int{row.size});
    ExitRig r;
    IoRecorder dev;
    dev.read_value = 0x12345678;  // the bus keeps only `size` bytes of it
    ASSERT_TRUE(r.vm.io.attach(0x60, 0x64, dev));
    r.regs.rax = 0xAAAAAAAAAAAAAAAA;
    r.regs.rdx = 0x60;
    ASSERT_TRUE(r.exit(ExitReason::io_instruction, io_qual(0x60, row.size, Dir::in), 1));
    EXPECT_TRUE(is_advance(r.last));
    EXPECT_EQ(r.regs.rax, row.rax_after_in);
    EXPECT_EQ(r.regs.rdx, 0x60u);
    EXPECT_EQ(dev.log.at(0), (IoRecorder::Access{true, 0x60, row.size, 0x12345678}));
    EXPECT_EQ(r.vm.io.unclaimed_accesses(), 0u);
  }
}

TEST(IoExit, GivenImmediatePortFormWhenHandledThenSamePortIsUsed) {
  ExitRig r;
  IoRecorder dev;
  ASSERT_TRUE(r.vm.io.attach(0x80, 0x80, dev));
  r.regs.rax = 0x42;
  ASSERT_TRUE(r.exit(ExitReason::io_instruction, io_qual(0x80, 1, Dir::out, false, false, true), 2));
  EXPECT_EQ(dev.out_values(), std::vector<u32>{0x42});
  EXPECT_EQ(r.rip(), ExitRig::kRip + 2);
}

TEST(IoExit, GivenUnclaimedPortWhenInThenAllOnesOfTheSizeAndCounted) {
  const u64 want[] = {0x00000000000000FF, 0x000000000000FFFF, 0x00000000FFFFFFFF};
  for (int i = 0; i < 3; ++i) {
    ExitRig r;
    r.regs.rax = 0;
    ASSERT_TRUE(r.exit(ExitReason::io_instruction, io_qual(0x2F8, kSizes[i].size, Dir::in), 1));
    EXPECT_EQ(r.regs.rax, want[i]);
    EXPECT_EQ(r.vm.io.unclaimed_accesses(), 1u);
  }
}

TEST(IoExit, GivenDeviceDecliningWhenInOrOutThenTreatedAsUnclaimed) {
  ExitRig r;
  IoRecorder dev;
  dev.decline = true;
  ASSERT_TRUE(r.vm.io.attach(0x60, 0x60, dev));
  r.regs.rax = 0x1234;
  ASSERT_TRUE(r.exit(ExitReason::io_instruction, io_qual(0x60, 2, Dir::in), 1));
  EXPECT_EQ(r.regs.rax, 0xFFFFu);
  ASSERT_TRUE(r.exit(ExitReason::io_instruction, io_qual(0x60, 1, Dir::out), 1));
  EXPECT_EQ(r.vm.io.unclaimed_accesses(), 2u);
  EXPECT_TRUE(dev.log.empty());
  EXPECT_EQ(r.rip(), ExitRig::kRip + 2);
}

TEST(IoExit, GivenUnclaimedPortWhenOutThenDroppedCountedAndAdvanced) {
  ExitRig r;
  ASSERT_TRUE(r.exit(ExitReason::io_instruction, io_qual(0x1234, 4, Dir::out), 1));
  EXPECT_TRUE(is_advance(r.last));
  EXPECT_EQ(r.vm.io.unclaimed_accesses(), 1u);
}

TEST(IoExit, GivenReservedSizeEncodingWhenHandledThenVmStopsWithDiagnostic) {
  for (const u64 size_code : {2u, 4u, 5u, 6u, 7u}) {
    ExitRig r;
    const u64 qual = (u64{0x60} << 16) | size_code;
    EXPECT_FALSE(r.exit(ExitReason::io_instruction, qual, 1));
    EXPECT_TRUE(is_stop(r.last, StopReason::hypervisor_error));
    EXPECT_TRUE(r.vm.stopped);
    EXPECT_EQ(r.diagnosis(), "I/O exit with a reserved size encoding (qualification 0x60000" +
                                 std::to_string(size_code) + ")");
    EXPECT_EQ(r.rip(), ExitRig::kRip);
  }
}

struct ExitPortsRig : ExitRig {
  ExitPorts ports{vm};
  ExitPortsRig() {
    EXPECT_TRUE(vm.io.attach(ExitPorts::kDebugExit, ExitPorts::kDebugExit, ports));
    EXPECT_TRUE(vm.io.attach(ExitPorts::kBochsShutdown, ExitPorts::kBochsShutdown, ports));
  }
  bool out(u16 port, u32 value, u8 size = 1) {
    regs.rax = value;
    return exit(ExitReason::io_instruction, io_qual(port, size, Dir::out), 1);
  }
};

TEST(IoExit, GivenDebugExitPortWhenWrittenThenVmStopsWithThatCodeAndRipStays) {
  for (const u8 size : {u8{1}, u8{2}, u8{4}}) {
    ExitPortsRig r;
    EXPECT_FALSE(r.out(ExitPorts::kDebugExit, 0x31, size));
    EXPECT_TRUE(is_stop(r.last, StopReason::guest_exit, 0x31));
    EXPECT_TRUE(r.vm.stopped);
    EXPECT_EQ(r.vm.stop_reason, StopReason::guest_exit);
    EXPECT_EQ(r.vm.exit_code, 0x31u);
    EXPECT_EQ(r.rip(), ExitRig::kRip);
  }
}

TEST(IoExit, GivenDebugExitPortWhenReadThenUnclaimedAllOnesAndVmRuns) {
  ExitPortsRig r;
  EXPECT_TRUE(r.exit(ExitReason::io_instruction, io_qual(ExitPorts::kDebugExit, 1, Dir::in), 1));
  EXPECT_EQ(r.regs.rax & 0xFF, 0xFFu);
  EXPECT_FALSE(r.vm.stopped);
  EXPECT_EQ(r.vm.io.unclaimed_accesses(), 1u);
}

TEST(IoExit, GivenBochsShutdownSequenceWhenWrittenByteByByteThenVmStopsOnTheLastWithCode0) {
  ExitPortsRig r;
  const std::string word = "Shutdown";
  for (usize i = 0; i < word.size(); ++i) {
    const bool resumes = r.out(ExitPorts::kBochsShutdown, static_cast<u8>(word[i]));
    if (i + 1 < word.size()) {
      EXPECT_TRUE(resumes) << i;
      EXPECT_TRUE(is_advance(r.last));
    } else {
      EXPECT_FALSE(resumes);
      EXPECT_TRUE(is_stop(r.last, StopReason::guest_exit, 0));
    }
  }
  EXPECT_EQ(r.rip(), ExitRig::kRip + 7);
}

TEST(IoExit, GivenBrokenShutdownSequenceWhenWrittenThenVmRunsOn) {
  ExitPortsRig r;
  for (char c : std::string("ShutXdown")) EXPECT_TRUE(r.out(ExitPorts::kBochsShutdown, static_cast<u8>(c)));
  EXPECT_FALSE(r.vm.stopped);
  for (char c : std::string("SShutdown")) r.out(ExitPorts::kBochsShutdown, static_cast<u8>(c));
  EXPECT_TRUE(r.vm.stopped);
}

TEST(IoExit, GivenCom1WhenGuestWritesALineThenTheVmConsolePrintsIt) {
  ExitRig r;
  ConsoleUart uart(r.vm.console);
  ASSERT_TRUE(r.vm.io.attach(ConsoleUart::kBase, ConsoleUart::kBase + 7, uart));
  for (char c : std::string("hi\n")) {
    r.regs.rax = static_cast<u8>(c);
    ASSERT_TRUE(r.exit(ExitReason::io_instruction, io_qual(ConsoleUart::kBase, 1, Dir::out), 1));
  }
  ASSERT_TRUE(r.exit(ExitReason::io_instruction, io_qual(ConsoleUart::kBase + 5, 1, Dir::in), 1));
  EXPECT_EQ(r.regs.rax & 0xFF, 0x60u);  // LSR: transmitter empty
  EXPECT_EQ(test::g_vm_console_lines, std::vector<std::string>{"[test-vm] hi"});
}

}  // namespace
}  // namespace nucleo::vmx::exit_test

// SPDX-License-Identifier: MIT
// The first guest's devices (kernel/virt/devices/debug_devices.cpp): the
// write-only COM1 view of a 16550 feeding the VM console, and the exit
// ports (QEMU isa-debug-exit, Bochs "Shutdown").
#include "kernel/virt/devices/debug_devices.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "host-tests/support/vm_console_fake.hpp"

namespace nucleo {
namespace {

struct UartRig {
  Vm vm;
  ConsoleUart uart{vm.console};
  UartRig() {
    vm.console.name = "uart-vm";
    vm.console.sink = &test::g_recording_sink;
    test::g_vm_console_lines.clear();
  }
  void out(u16 offset, u32 value) { EXPECT_TRUE(uart.io_out(static_cast<u16>(ConsoleUart::kBase + offset), 1, value)); }
  u32 in(u16 offset) {
    u32 v = 0xDEAD;
    EXPECT_TRUE(uart.io_in(static_cast<u16>(ConsoleUart::kBase + offset), 1, v));
    return v;
  }
  void write(const std::string& s) {
    for (char c : s) out(0, static_cast<u8>(c));
  }
};

TEST(ConsoleUart, GivenThrWritesWhenALineEndsThenTheVmConsolePrintsItPrefixedWithTheVmName) {
  UartRig r;
  r.write("boot ok\r\nsecond\n");
  EXPECT_EQ(test::g_vm_console_lines, (std::vector<std::string>{"[uart-vm] boot ok", "[uart-vm] second"}));
}

TEST(ConsoleUart, GivenControlCharactersWhenWrittenThenShownAsQuestionMarksExceptTab) {
  UartRig r;
  r.write(std::string("a\x1b[0m\tb\x7f\xff") + "\n");
  EXPECT_EQ(test::g_vm_console_lines, std::vector<std::string>{"[uart-vm] a?[0m\tb??"});
}

TEST(ConsoleUart, GivenTheDivisorLatchWhenLcrBit7IsSetThenThrWritesAreNotPrinted) {
  UartRig r;
  r.out(3, 0x80);  // DLAB: offsets 0/1 are the divisor
  r.write("\x01");
  r.out(3, 0x03);  // 8N1
  EXPECT_EQ(r.in(3), 0x03u);
  r.write("x\n");
  EXPECT_EQ(test::g_vm_console_lines, std::vector<std::string>{"[uart-vm] x"});
}

TEST(ConsoleUart, GivenRegisterReadsWhenProbedThenTransmitterEmptyScratchKeptAndOthersZero) {
  UartRig r;
  EXPECT_EQ(r.in(5), 0x60u);
  r.out(7, 0x5A);
  EXPECT_EQ(r.in(7), 0x5Au);
  for (const u16 offset : {u16{0}, u16{1}, u16{2}, u16{4}, u16{6}}) EXPECT_EQ(r.in(offset), 0u) << offset;
  for (const u16 offset : {u16{1}, u16{2}, u16{4}, u16{5}, u16{6}}) r.out(offset, 0xFF);  // accepted, no effect
  EXPECT_EQ(r.in(5), 0x60u);
  EXPECT_TRUE(test::g_vm_console_lines.empty());
}

struct PortsRig {
  Vm vm;
  ExitPorts ports{vm};
  bool out(u16 port, u32 value) { return ports.io_out(port, 1, value); }
  void shutdown_chars(const std::string& s) {
    for (char c : s) EXPECT_TRUE(out(ExitPorts::kBochsShutdown, static_cast<u8>(c)));
  }
};

TEST(ExitPorts, GivenDebugExitWhenWrittenThenTheVmAsksToEndWithTheValue) {
  PortsRig r;
  EXPECT_TRUE(r.out(ExitPorts::kDebugExit, 0x10));
  EXPECT_TRUE(r.vm.exit_requested);
  EXPECT_EQ(r.vm.requested_code, 0x10u);
}

TEST(ExitPorts, GivenShutdownWhenSpelledThenExitWithCode0AndTheMatcherStartsOver) {
  PortsRig r;
  r.vm.requested_code = 99;
  r.shutdown_chars("Shutdow");
  EXPECT_FALSE(r.vm.exit_requested);
  r.shutdown_chars("n");
  EXPECT_TRUE(r.vm.exit_requested);
  EXPECT_EQ(r.vm.requested_code, 0u);
  r.vm.exit_requested = false;
  r.shutdown_chars("hutdown");  // the match restarted: no "S" yet
  EXPECT_FALSE(r.vm.exit_requested);
}

TEST(ExitPorts, GivenInterruptedOrRestartedSpellingsWhenWrittenThenOnlyAWholeWordCounts) {
  struct Row {
    const char* text;
    bool exits;
  };
  const Row rows[] = {{"ShutXdown", false}, {"SShutdown", true}, {"ShutShutdown", true},
                      {"shutdown", false},  {"Shutdow", false},  {"xxShutdown", true}};
  for (const Row& row : rows) {
    PortsRig r;
    r.shutdown_chars(row.text);
    EXPECT_EQ(r.vm.exit_requested, row.exits) << row.text;
  }
}

TEST(ExitPorts, GivenOtherPortsOrReadsWhenAccessedThenDeclined) {
  PortsRig r;
  u32 v = 0;
  EXPECT_FALSE(r.ports.io_in(ExitPorts::kDebugExit, 1, v));
  EXPECT_FALSE(r.ports.io_in(ExitPorts::kBochsShutdown, 1, v));
  EXPECT_FALSE(r.out(0x8901, 'S'));
  EXPECT_FALSE(r.vm.exit_requested);
}

}  // namespace
}  // namespace nucleo

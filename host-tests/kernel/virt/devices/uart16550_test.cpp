// SPDX-License-Identifier: MIT
// The virtual 16550 (kernel/virt/devices/uart16550.cpp) at register level:
// output reaching the VM console, the divisor latch, loopback, the FIFOs and
// overrun, IIR priorities, the THR-empty interrupt's raise and clear rules,
// and the IRQ line gated by MCR.OUT2.
#include "kernel/virt/devices/uart16550.hpp"

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "host-tests/support/vm_console_fake.hpp"

namespace nucleo {
namespace {

struct IrqRecorder final : IrqLines {
  std::vector<std::pair<u32, bool>> log;
  void set_irq(u32 irq, bool level) override { log.emplace_back(irq, level); }
  bool high(u32 irq) const {
    bool level = false;
    for (const auto& [i, l] : log)
      if (i == irq) level = l;
    return level;
  }
};

enum Reg : u16 { kRbr = 0, kIer = 1, kIir = 2, kFcr = 2, kLcr = 3, kMcr = 4, kLsr = 5, kMsr = 6, kScr = 7 };

struct UartRig {
  Vm vm;
  IrqRecorder irqs;
  Uart16550 uart;
  explicit UartRig(u16 base = Uart16550::kCom1Base, u32 irq = Uart16550::kCom1Irq) : uart(vm.console, irqs, base, irq) {
    vm.console.name = "com1-vm";
    vm.console.sink = &test::g_recording_sink;
    test::g_vm_console_lines.clear();
  }
  void out(u16 reg, u32 value) { EXPECT_TRUE(uart.io_out(static_cast<u16>(Uart16550::kCom1Base + reg), 1, value)); }
  u32 in(u16 reg) {
    u32 v = 0xDEAD;
    EXPECT_TRUE(uart.io_in(static_cast<u16>(Uart16550::kCom1Base + reg), 1, v));
    return v;
  }
  void write(const std::string& s) {
    for (char c : s) out(kRbr, static_cast<u8>(c));
  }
};

TEST(Uart16550, GivenResetWhenRegistersAreReadThenIdleValuesOfAReady16550) {
  UartRig r;
  EXPECT_EQ(r.in(kIer), 0x00u);
  EXPECT_EQ(r.in(kIir), 0x01u);  // no interrupt, FIFOs off
  EXPECT_EQ(r.in(kLcr), 0x00u);
  EXPECT_EQ(r.in(kMcr), 0x00u);
  EXPECT_EQ(r.in(kLsr), 0x60u);  // THRE | TEMT
  EXPECT_EQ(r.in(kMsr), 0xB0u);  // DCD, DSR, CTS from an always-ready host
  EXPECT_EQ(r.in(kRbr), 0x00u);  // nothing received
  EXPECT_TRUE(r.irqs.log.empty());
}

TEST(Uart16550, GivenThrWritesWhenALineEndsThenTheVmConsolePrintsItAndLsrStaysEmpty) {
  UartRig r;
  r.write("boot ok\r\nsecond\n");
  EXPECT_EQ(test::g_vm_console_lines, (std::vector<std::string>{"[com1-vm] boot ok", "[com1-vm] second"}));
  EXPECT_EQ(r.in(kLsr), 0x60u);
}

TEST(Uart16550, GivenDlabWhenOffsets0And1AreWrittenThenTheyHoldTheDivisorAndNothingIsSent) {
  UartRig r;
  r.out(kIer, 0x05);
  r.out(kLcr, 0x83);
  EXPECT_EQ(r.in(kRbr), 0x0Cu);  // 9600 baud at reset
  r.out(kRbr, 0x01);
  r.out(kIer, 0x02);
  EXPECT_EQ(r.in(kRbr), 0x01u);
  EXPECT_EQ(r.in(kIer), 0x02u);
  r.out(kLcr, 0x03);
  EXPECT_EQ(r.in(kIer), 0x05u);  // IER untouched by the divisor writes
  r.write("x\n");
  EXPECT_EQ(test::g_vm_console_lines, std::vector<std::string>{"[com1-vm] x"});
}

TEST(Uart16550, GivenLoopbackWhenBytesAreSentThenTheyComeBackAsInputAndNotToTheConsole) {
  UartRig r;
  r.out(kMcr, 0x10);
  r.write("hi\n");
  EXPECT_EQ(r.in(kLsr), 0x63u);  // DR, and OE: the third byte overran the 16450-mode RBR
  EXPECT_EQ(r.in(kRbr), static_cast<u32>('\n'));
  EXPECT_EQ(r.in(kLsr), 0x60u);
  r.out(kFcr, 0x01);  // FIFO mode: all three fit
  r.write("hi\n");
  EXPECT_EQ(r.in(kRbr), static_cast<u32>('h'));
  EXPECT_EQ(r.in(kRbr), static_cast<u32>('i'));
  EXPECT_EQ(r.in(kRbr), static_cast<u32>('\n'));
  EXPECT_EQ(r.in(kLsr), 0x60u);
  EXPECT_TRUE(test::g_vm_console_lines.empty());
}

TEST(Uart16550, GivenLoopbackWhenMcrOutputsChangeThenMsrFollowsThemWithDeltaBits) {
  UartRig r;
  r.out(kMcr, 0x10);  // loopback, all outputs off: CTS, DSR, DCD fall
  EXPECT_EQ(r.in(kMsr), 0x0Bu);  // DDCD | DDSR | DCTS
  EXPECT_EQ(r.in(kMsr), 0x00u);  // reading clears the deltas
  r.out(kMcr, 0x1F);  // DTR, RTS, OUT1, OUT2
  EXPECT_EQ(r.in(kMsr), 0xFBu);  // DCD RI DSR CTS, deltas except TERI (RI rose)
  r.out(kMcr, 0x1B);  // OUT1 off: RI trailing edge
  EXPECT_EQ(r.in(kMsr), 0xB4u);
  EXPECT_EQ(r.in(kMcr), 0x1Bu);
  r.out(kMcr, 0xFF);
  EXPECT_EQ(r.in(kMcr), 0x1Fu);  // bits 7-5 read 0
}

TEST(Uart16550, GivenTheThrEmptyInterruptWhenEnabledThenRaisedAndClearedByIirReadOrThrWrite) {
  UartRig r;
  r.out(kMcr, 0x08);  // OUT2: the PC's IRQ gate
  EXPECT_FALSE(r.irqs.high(4));
  r.out(kIer, 0x02);
  EXPECT_TRUE(r.irqs.high(4));
  EXPECT_EQ(r.in(kIir), 0x02u);
  EXPECT_FALSE(r.irqs.high(4));  // the IIR read that reported it cleared it
  EXPECT_EQ(r.in(kIir), 0x01u);
  r.out(kIer, 0x02);  // already enabled: no new interrupt
  EXPECT_FALSE(r.irqs.high(4));
  r.write("a");  // THR empties again at once
  EXPECT_TRUE(r.irqs.high(4));
  r.out(kIer, 0x00);
  EXPECT_FALSE(r.irqs.high(4));
  EXPECT_EQ(r.in(kIir), 0x01u);
  r.out(kIer, 0x02);  // re-enabling with THR empty raises it again
  EXPECT_TRUE(r.irqs.high(4));
}

TEST(Uart16550, GivenAPendingInterruptWhenOut2IsClearOrLoopbackIsOnThenTheIrqLineStaysLow) {
  UartRig r;
  r.out(kIer, 0x01);
  EXPECT_TRUE(r.uart.push_input('k'));
  EXPECT_EQ(r.in(kIir), 0x04u);  // pending, but not on the line
  EXPECT_TRUE(r.irqs.log.empty());
  r.out(kMcr, 0x08);
  EXPECT_EQ(r.irqs.log, (std::vector<std::pair<u32, bool>>{{4, true}}));
  r.out(kMcr, 0x18);
  EXPECT_FALSE(r.irqs.high(4));
  r.out(kMcr, 0x08);
  EXPECT_TRUE(r.irqs.high(4));
  EXPECT_EQ(r.in(kRbr), static_cast<u32>('k'));
  EXPECT_FALSE(r.irqs.high(4));
}

TEST(Uart16550, GivenEverySourceAtOnceWhenIirIsReadThenTheyAreReportedInDataSheetPriorityOrder) {
  UartRig r;
  r.out(kMcr, 0x08);
  EXPECT_TRUE(r.uart.push_input('1'));
  EXPECT_FALSE(r.uart.push_input('2'));  // 16450 mode: overrun, '2' replaces '1'
  r.out(kMcr, 0x09);  // DTR: no modem delta outside loopback
  r.out(kIer, 0x0F);
  EXPECT_EQ(r.in(kIir), 0x06u);  // receiver line status
  EXPECT_EQ(r.in(kLsr), 0x63u);  // DR | OE | THRE | TEMT; reading clears OE
  EXPECT_EQ(r.in(kIir), 0x04u);  // received data
  EXPECT_EQ(r.in(kRbr), static_cast<u32>('2'));
  EXPECT_EQ(r.in(kIir), 0x02u);  // THR empty, cleared by this read
  EXPECT_EQ(r.in(kIir), 0x01u);
  EXPECT_FALSE(r.irqs.high(4));
  r.out(kMcr, 0x19);  // loopback: DTR drives DSR, OUT2 drives DCD, CTS (RTS off) falls
  EXPECT_EQ(r.in(kIir), 0x00u);  // modem status
  EXPECT_EQ(r.in(kMsr), 0xA1u);  // DCD | DSR | DCTS
  EXPECT_EQ(r.in(kIir), 0x01u);
}

TEST(Uart16550, GivenFifosWhenEnabledThenIirSaysSoAndDataBelowTheTriggerIsATimeout) {
  UartRig r;
  r.out(kIer, 0x01);
  r.out(kFcr, 0x07);  // enable, clear both, trigger 1
  EXPECT_EQ(r.in(kIir), 0xC1u);
  r.uart.push_input('a');
  EXPECT_EQ(r.in(kIir), 0xC4u);
  r.out(kFcr, 0x81);  // trigger 8; FIFO kept
  EXPECT_EQ(r.in(kIir), 0xCCu);
  for (int i = 0; i < 7; ++i) r.uart.push_input('b');
  EXPECT_EQ(r.in(kIir), 0xC4u);
  r.out(kFcr, 0x83);  // clear the receive FIFO
  EXPECT_EQ(r.in(kLsr), 0x60u);
  r.out(kFcr, 0x00);
  EXPECT_EQ(r.in(kIir), 0x01u);
}

TEST(Uart16550, GivenAFullFifoWhenMoreArrivesThenOverrunKeepsTheFifoAndLosesTheNewByte) {
  UartRig r;
  r.out(kFcr, 0x01);
  for (u8 i = 0; i < Uart16550::kFifoSize; ++i) EXPECT_TRUE(r.uart.push_input(static_cast<u8>('a' + i)));
  EXPECT_FALSE(r.uart.push_input('!'));
  EXPECT_EQ(r.in(kLsr), 0x63u);
  for (u8 i = 0; i < Uart16550::kFifoSize; ++i) EXPECT_EQ(r.in(kRbr), static_cast<u32>('a' + i));
  EXPECT_EQ(r.in(kLsr), 0x60u);
  EXPECT_TRUE(r.uart.push_input('z'));  // room again
  EXPECT_EQ(r.in(kRbr), static_cast<u32>('z'));
}

TEST(Uart16550, GivenScratchAndWideAccessesWhenUsedThenBytesGoToConsecutiveRegisters) {
  UartRig r;
  r.out(kScr, 0x5A);
  EXPECT_EQ(r.in(kScr), 0x5Au);
  EXPECT_TRUE(r.uart.io_out(Uart16550::kCom1Base + kLcr, 2, 0x0B03));  // LCR 8N1, MCR DTR|RTS|OUT2
  EXPECT_EQ(r.in(kLcr), 0x03u);
  EXPECT_EQ(r.in(kMcr), 0x0Bu);
  u32 v = 0;
  EXPECT_TRUE(r.uart.io_in(Uart16550::kCom1Base + kLsr, 4, v));
  EXPECT_EQ(v, 0xFF5AB060u);  // LSR, MSR, SCR, then a port that is not the UART's
  EXPECT_FALSE(r.uart.io_in(Uart16550::kCom1Base + 8, 1, v));
  EXPECT_FALSE(r.uart.io_out(Uart16550::kCom1Base - 1, 1, 0));
}

TEST(Uart16550, GivenCom2BaseAndIrqWhenConstructedThenItAnswersThereAndRaisesItsIrq) {
  Vm vm;
  IrqRecorder irqs;
  Uart16550 com2(vm.console, irqs, 0x2F8, 3);
  u32 v = 0;
  EXPECT_FALSE(com2.io_in(0x3F8, 1, v));
  EXPECT_TRUE(com2.io_out(0x2FC, 1, 0x08));
  EXPECT_TRUE(com2.io_out(0x2F9, 1, 0x02));
  EXPECT_EQ(irqs.log, (std::vector<std::pair<u32, bool>>{{3, true}}));
  EXPECT_TRUE(com2.io_in(0x2FA, 1, v));
  EXPECT_EQ(v, 0x02u);
}

}  // namespace
}  // namespace nucleo

// SPDX-License-Identifier: MIT
// PCI configuration mechanism #1 with no device behind it
// (kernel/virt/devices/pci_host.cpp), through the port bus: the
// CONFIG_ADDRESS latch and the all-ones configuration reads a bus scan sees
// (PCI Local Bus Specification 3.0, 3.2.2.3.2).
#include "kernel/virt/devices/pci_host.hpp"

#include <gtest/gtest.h>

namespace nucleo {
namespace {

struct Rig {
  PciHost pci;
  IoBus bus;
  Rig() { EXPECT_TRUE(bus.attach(PciHost::kFirstPort, PciHost::kLastPort, pci)); }
  u32 config_address(u32 bus_no, u32 device, u32 function, u32 reg) {
    return PciHost::kEnable | bus_no << 16 | device << 11 | function << 8 | (reg & 0xFC);
  }
};

TEST(PciHost, GivenADwordWriteToCf8WhenReadBackThenTheAddressIsLatchedWithBits1To0Clear) {
  Rig r;
  r.bus.out(0xCF8, 4, 0x8001'2347u);
  EXPECT_EQ(r.bus.in(0xCF8, 4), 0x8001'2344u);
  EXPECT_EQ(r.pci.address(), 0x8001'2344u);
}

TEST(PciHost, GivenReservedBitsWhenWrittenThenBits30To24ReadZeroAndEnableIsKept) {
  Rig r;
  r.bus.out(0xCF8, 4, 0xFFFF'FFFFu);
  EXPECT_EQ(r.bus.in(0xCF8, 4), 0x80FF'FFFCu);
  r.bus.out(0xCF8, 4, 0x7F00'0000u);
  EXPECT_EQ(r.bus.in(0xCF8, 4), 0u);
}

TEST(PciHost, GivenTheLinuxType1ProbeWhenRunThenTheEnableBitReadsBack) {
  // arch/x86/pci/direct.c's check: outb(0x01, 0xCFB), then save CF8, write
  // 0x80000000 and expect it back. The byte write is ordinary I/O here.
  Rig r;
  r.bus.out(0xCFB, 1, 0x01);
  const u32 saved = r.bus.in(0xCF8, 4);
  r.bus.out(0xCF8, 4, 0x8000'0000u);
  EXPECT_EQ(r.bus.in(0xCF8, 4), 0x8000'0000u);
  r.bus.out(0xCF8, 4, saved);
  EXPECT_EQ(r.bus.in(0xCF8, 4), 0u);
}

TEST(PciHost, GivenAnyDataPortAndWidthWhenReadThenAllOnesWithEnableSetOrClear) {
  Rig r;
  for (const u32 address : {r.config_address(0, 0, 0, 0), r.config_address(0, 31, 7, 0x3C), u32{0}}) {
    r.bus.out(0xCF8, 4, address);
    for (u16 port = 0xCFC; port <= 0xCFF; ++port) {
      EXPECT_EQ(r.bus.in(port, 1), 0xFFu) << std::hex << port;
      EXPECT_EQ(r.bus.in(port, 2), 0xFFFFu) << std::hex << port;
      EXPECT_EQ(r.bus.in(port, 4), 0xFFFF'FFFFu) << std::hex << port;
    }
  }
  EXPECT_EQ(r.pci.config_reads(), 3u * 4 * 3);
  EXPECT_EQ(r.bus.unclaimed_accesses(), 0u);  // claimed: the bridge answers, nothing is behind it
}

TEST(PciHost, GivenABusScanWhenEveryFunctionOfBus0IsProbedThenNoVendorIdIsFound) {
  Rig r;
  int found = 0;
  for (u32 device = 0; device < 32; ++device)
    for (u32 function = 0; function < 8; ++function) {
      r.bus.out(0xCF8, 4, r.config_address(0, device, function, 0));
      if (r.bus.in(0xCFC, 2) != 0xFFFF) ++found;  // vendor ID
    }
  EXPECT_EQ(found, 0);
}

TEST(PciHost, GivenConfigurationWritesWhenIssuedThenTheyAreDroppedAndTheAddressIsKept) {
  Rig r;
  const u32 address = r.config_address(0, 1, 0, 0x10);
  r.bus.out(0xCF8, 4, address);
  r.bus.out(0xCFC, 4, 0x1234'5678u);  // a BAR sizing write
  r.bus.out(0xCFE, 2, 0xABCD);
  r.bus.out(0xCFF, 1, 0x12);
  EXPECT_EQ(r.bus.in(0xCFC, 4), 0xFFFF'FFFFu);
  EXPECT_EQ(r.bus.in(0xCF8, 4), address);
  EXPECT_EQ(r.bus.unclaimed_accesses(), 0u);
}

TEST(PciHost, GivenNarrowAccessesToCf8ToCfbWhenIssuedThenTheyAreNotConfigAddressAccesses) {
  Rig r;
  r.bus.out(0xCF8, 4, 0x8000'0800u);
  r.bus.out(0xCF8, 1, 0xFF);
  r.bus.out(0xCF8, 2, 0xFFFF);
  r.bus.out(0xCF9, 1, 0x06);  // a chipset reset-control write: nothing modelled
  r.bus.out(0xCFA, 4, 0x1111'1111u);
  EXPECT_EQ(r.bus.in(0xCF8, 4), 0x8000'0800u);
  EXPECT_EQ(r.bus.in(0xCF8, 1), 0xFFu);
  EXPECT_EQ(r.bus.in(0xCF8, 2), 0xFFFFu);
  EXPECT_EQ(r.bus.in(0xCF9, 1), 0xFFu);
  EXPECT_EQ(r.bus.in(0xCF9, 4), 0xFFFF'FFFFu);
  EXPECT_EQ(r.bus.unclaimed_accesses(), 8u);
}

}  // namespace
}  // namespace nucleo

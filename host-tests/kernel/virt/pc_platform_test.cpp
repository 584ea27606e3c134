// SPDX-License-Identifier: MIT
// The virtual PC of a VM (kernel/virt/pc_platform.cpp): exactly the devices
// its configuration names answer on the port bus, IRQs reach the 8259 pair,
// fw_cfg and the ACPI tables describe the VM.
#include "kernel/virt/pc_platform.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <vector>

#include "host-tests/support/vm_console_fake.hpp"
#include "kernel/acpi/madt.hpp"
#include "kernel/virt/lapic/virtual_lapic.hpp"
#include "kernel/acpi/tables.hpp"

namespace nucleo {
namespace {

class RamMemory final : public acpi::PhysMemory {
 public:
  explicit RamMemory(std::vector<u8>& ram) : ram_(ram) {}
  Bytes read(u64 phys, usize length) override {
    if (phys > ram_.size() || length > ram_.size() - phys) return {};
    return Bytes(ram_.data() + phys, length);
  }

 private:
  std::vector<u8>& ram_;
};

struct FixedClock final : GuestClock {
  u64 now = 0;
  u64 tsc() const override { return now; }
  u64 tsc_hz() const override { return 1'000'000'000; }
};

struct Rig {
  std::vector<u8> ram = std::vector<u8>(4 * MiB);
  Vm vm;
  FixedClock clock;
  PcPlatform platform{vm, clock, CmosRtc::Config{1'700'000'000, 0, 4 * MiB, 0}};
  Rig() {
    vm.ram = ram.data();
    vm.ram_size = ram.size();
    vm.console.name = "pc";
    vm.console.sink = &test::g_recording_sink;
    test::g_vm_console_lines.clear();
  }
  Result<u64> attach(std::initializer_list<Device> devices, u32 vcpus = 2) {
    PcPlatformSetup s;
    for (Device d : devices) s.devices |= device_bit(d);
    s.vcpu_count = vcpus;
    s.cmdline = "hello=1";
    return platform.attach(s);
  }
  u32 in(u16 port, u8 size = 1) { return vm.io.in(port, size); }
};

TEST(PcPlatform, GivenNoDevicesWhenAttachedThenEveryLegacyPortIsUnclaimedAndThereIsNoAcpi) {
  Rig r;
  const Result<u64> rsdp = r.attach({});
  ASSERT_TRUE(rsdp.ok());
  EXPECT_EQ(rsdp.value(), 0u);
  for (int port : {0x3FD, 0x21, 0x40, 0x61, 0x71, 0x511, 0xCFC, 0x608})
    EXPECT_EQ(r.in(static_cast<u16>(port)), 0xFFu) << port;
  EXPECT_EQ(r.platform.pic(), nullptr);
  EXPECT_EQ(r.platform.next_deadline_tsc(), 0u);
}

TEST(PcPlatform, GivenEveryDeviceWhenAttachedThenEachAnswersOnItsPorts) {
  Rig r;
  const Result<u64> rsdp = r.attach({Device::uart, Device::debug_exit, Device::fw_cfg, Device::pit, Device::pic,
                                     Device::rtc, Device::pci, Device::acpi});
  ASSERT_TRUE(rsdp.ok()) << rsdp.error().what;
  EXPECT_EQ(r.in(0x3FD) & 0x60u, 0x60u);           // 16550 LSR: transmitter empty
  r.vm.io.out(0x510, 2, 0x0000);                     // fw_cfg signature
  EXPECT_EQ(r.in(0x511), u32{'Q'});
  r.vm.io.out(0x510, 2, 0x0005);                     // NB_CPUS
  EXPECT_EQ(r.in(0x511), 2u);
  EXPECT_EQ(r.in(0xCFC, 4), 0xFFFFFFFFu);            // PCI: no device
  r.vm.io.out(0x70, 1, 0x0D);
  EXPECT_EQ(r.in(0x71), 0x80u);                      // RTC register D: valid RAM and time
  ASSERT_NE(r.platform.pic(), nullptr);
  r.vm.io.out(0xF4, 1, 3);
  EXPECT_TRUE(r.vm.exit_requested);
  EXPECT_EQ(r.vm.requested_code, 3u);
  // The tables describe this VM: its two vCPUs, the PM timer port.
  ASSERT_EQ(rsdp.value(), 0xE0000u);
  RamMemory mem(r.ram);
  const Result<acpi::Rsdp> parsed = acpi::parse_rsdp(mem.read(rsdp.value(), 36));
  ASSERT_TRUE(parsed.ok());
  const Result<Bytes> madt_table = acpi::find_table(mem, parsed.value(), "APIC");
  ASSERT_TRUE(madt_table.ok());
  auto madt = std::make_unique<acpi::Madt>();
  ASSERT_TRUE(acpi::parse_madt(madt_table.value(), *madt).ok());
  EXPECT_EQ(madt->cpu_count, 2u);
  const Result<Bytes> fadt_table = acpi::find_table(mem, parsed.value(), "FACP");
  ASSERT_TRUE(fadt_table.ok());
  const Result<acpi::Fadt> fadt = acpi::parse_fadt(fadt_table.value());
  ASSERT_TRUE(fadt.ok());
  EXPECT_EQ(fadt.value().pm_timer, PmTimer::kDefaultPort);
  // ... and that port counts.
  EXPECT_NE(r.in(PmTimer::kDefaultPort, 4), 0xFFFFFFFFu);
}

TEST(PcPlatform, GivenThePicAndAProgrammedPitWhenItsPeriodEndsThenIrq0IsPendingAtThePic) {
  Rig r;
  ASSERT_TRUE(r.attach({Device::pic, Device::pit}).ok());
  // 8259 initialisation (ICW1-4), vectors 0x20-0x27, everything unmasked.
  for (auto [port, value] : std::vector<std::pair<u16, u32>>{{0x20, 0x11}, {0x21, 0x20}, {0x21, 0x04}, {0x21, 0x01},
                                                             {0xA0, 0x11}, {0xA1, 0x28}, {0xA1, 0x02}, {0xA1, 0x01},
                                                             {0x21, 0x00}, {0xA1, 0x00}})
    r.vm.io.out(port, 1, value);
  r.vm.io.out(0x43, 1, 0x34);  // channel 0, lo/hi, mode 2
  r.vm.io.out(0x40, 1, 0xA9);  // 1193 input clocks: about 1 ms
  r.vm.io.out(0x40, 1, 0x04);
  const u64 deadline = r.platform.next_deadline_tsc();
  ASSERT_NE(deadline, 0u);
  EXPECT_FALSE(r.platform.pic()->has_interrupt());
  r.clock.now = deadline;
  r.platform.poll(r.clock.now);
  ASSERT_TRUE(r.platform.pic()->has_interrupt());
  EXPECT_EQ(r.platform.pic()->acknowledge(), 0x20u);
}

// A real PC wires each ISA IRQ to the 8259 pair and to the I/O APIC: the
// PIT's IRQ 0 on GSI 2 (the MADT's override), the UART's IRQ 4 on pin 4.
// The I/O APIC delivers into the VM's local APIC; the reset device and the
// tables come with it.
struct IoApicRig : Rig {
  LapicPage page{};
  VirtualLapic lapic{page, clock, LapicConfig{}};
  VirtualLapic* lapics[1] = {&lapic};
  Result<u64> attach_all() {
    PcPlatformSetup s;
    for (Device d : {Device::uart, Device::pit, Device::pic, Device::ioapic, Device::reset, Device::pci, Device::acpi})
      s.devices |= device_bit(d);
    s.vcpu_count = 1;
    s.lapics = Span<VirtualLapic* const>(lapics, 1);
    lapic.write(vlapic::kSvr, 0x1FF);
    return platform.attach(s);
  }
  void route(u32 pin, u8 vector) {
    IoApic& io = *platform.ioapic();
    io.write(IoApic::kRegSelect, IoApic::kRegTable + 2 * pin);
    io.write(IoApic::kWindow, vector);  // fixed, edge, physical APIC ID 0, unmasked
  }
};

TEST(PcPlatform, GivenAnIoApicWhenThePitAndTheUartRaiseTheirIrqsThenTheyReachTheLocalApicThroughGsi2AndPin4) {
  IoApicRig r;
  ASSERT_TRUE(r.attach_all().ok());
  ASSERT_NE(r.platform.ioapic(), nullptr);
  r.route(2, 0x30);
  r.route(4, 0x34);
  r.vm.io.out(0x43, 1, 0x34);  // channel 0, lo/hi, mode 2, about 1 ms
  r.vm.io.out(0x40, 1, 0xA9);
  r.vm.io.out(0x40, 1, 0x04);
  EXPECT_TRUE(r.lapic.attention.take()) << "a PIT write raises vCPU 0's attention";
  r.clock.now = r.platform.next_deadline_tsc();
  r.platform.poll(r.clock.now);
  EXPECT_EQ(r.lapic.pending_vector(), 0x30);
  EXPECT_EQ(r.platform.pic()->irr(false) & 1u, 1u) << "and the 8259's IRQ 0 as well";
  r.lapic.acknowledge(0x30);
  r.lapic.eoi();
  r.vm.io.out(0x3FC, 1, 0x08);  // MCR: OUT2 gates the UART's interrupt onto the bus
  r.vm.io.out(0x3F9, 1, 0x02);  // IER: THR empty, which it is
  EXPECT_EQ(r.lapic.pending_vector(), 0x34);
  // The MADT says where, and the reset register is in the FADT.
  RamMemory mem(r.ram);
  const Result<acpi::Rsdp> parsed = acpi::parse_rsdp(mem.read(0xE0000, 36));
  ASSERT_TRUE(parsed.ok());
  auto madt = std::make_unique<acpi::Madt>();
  ASSERT_TRUE(acpi::parse_madt(acpi::find_table(mem, parsed.value(), "APIC").value(), *madt).ok());
  ASSERT_EQ(madt->ioapic_count, 1u);
  EXPECT_EQ(madt->ioapics[0].address, IoApic::kBase);
  EXPECT_EQ(madt->overrides[0].gsi, 2u);
  const Bytes fadt = acpi::find_table(mem, parsed.value(), "FACP").value();
  EXPECT_EQ(fadt[116 + 4], 0xF9);  // RESET_REG address 0xCF9
  EXPECT_EQ(fadt[128], ResetControl::kFadtResetValue);
  // 0xCF9 is the reset register now, 0xCF8 still CONFIG_ADDRESS.
  r.vm.io.out(0xCF8, 4, 0x80000000);
  EXPECT_EQ(r.in(0xCF8, 4), 0x80000000u);
  r.vm.io.out(0xCF9, 1, ResetControl::kFadtResetValue);
  EXPECT_TRUE(r.vm.reset_requested);
}

TEST(PcPlatform, GivenNoIoApicWhenAttachedThenThereIsNoneAndTheMadtListsNone) {
  Rig r;
  ASSERT_TRUE(r.attach({Device::pic, Device::acpi}).ok());
  EXPECT_EQ(r.platform.ioapic(), nullptr);
  EXPECT_EQ(r.in(0xCF9), 0xFFu) << "no reset device: unclaimed";
}

}  // namespace
}  // namespace nucleo

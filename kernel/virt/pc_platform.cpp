// SPDX-License-Identifier: MIT
#include "kernel/virt/pc_platform.hpp"

#include "kernel/virt/acpi/vm_acpi.hpp"

namespace nucleo {

namespace {

Error attach_range(IoBus& bus, u16 first, u16 last, IoDevice& device) {
  return bus.attach(first, last, device) ? Error{}
                                         : make_error(Status::already_exists, "a device's ports overlap another's");
}

u64 earliest(u64 a, u64 b) { return a == 0 ? b : b == 0 ? a : (a < b ? a : b); }

}  // namespace

void PcPlatform::IsaIrqs::set_irq(u32 irq, bool level) {
  p_.pic_.set_irq(irq, level);
  if (p_.has(Device::ioapic)) p_.ioapic_.set_irq(irq == 0 ? 2 : irq, level);  // the MADT's override
}

bool PcPlatform::Watched::io_in(u16 port, u8 size, u32& value) {
  if (reads_) p_.notify();
  return device_.io_in(port, size, value);
}

bool PcPlatform::Watched::io_out(u16 port, u8 size, u32 value) {
  p_.notify();
  return device_.io_out(port, size, value);
}

Error PcPlatform::attach_pc_devices(const PcPlatformSetup& setup) {
  IoBus& bus = vm_.io;
  if (has(Device::uart)) NUCLEO_TRY(attach_range(bus, Uart16550::kCom1Base, Uart16550::kCom1Base + 7, watched_uart_));
  if (has(Device::debug_exit)) {
    NUCLEO_TRY(attach_range(bus, ExitPorts::kDebugExit, ExitPorts::kDebugExit, exit_ports_));
    NUCLEO_TRY(attach_range(bus, ExitPorts::kBochsShutdown, ExitPorts::kBochsShutdown, exit_ports_));
  }
  if (has(Device::pic)) {
    NUCLEO_TRY(attach_range(bus, Pic8259Pair::kMasterCommand, Pic8259Pair::kMasterData, watched_pic_));
    NUCLEO_TRY(attach_range(bus, Pic8259Pair::kSlaveCommand, Pic8259Pair::kSlaveData, watched_pic_));
    NUCLEO_TRY(attach_range(bus, Pic8259Pair::kElcrMaster, Pic8259Pair::kElcrSlave, watched_pic_));
  }
  if (has(Device::pit)) {
    NUCLEO_TRY(attach_range(bus, Pit8254::kChannel0, Pit8254::kControl, watched_pit_));
    NUCLEO_TRY(attach_range(bus, Pit8254::kPortB, Pit8254::kPortB, watched_pit_));
  }
  if (has(Device::rtc)) NUCLEO_TRY(attach_range(bus, CmosRtc::kIndexPort, CmosRtc::kDataPort, watched_rtc_));
  if (has(Device::pci)) {
    // CONFIG_ADDRESS is a dword at 0xCF8 only: 0xCF9 stays free for the
    // reset control register of the "reset" device.
    NUCLEO_TRY(attach_range(bus, PciHost::kAddressPort, PciHost::kAddressPort, pci_));
    NUCLEO_TRY(attach_range(bus, PciHost::kDataPort, PciHost::kLastPort, pci_));
  }
  if (has(Device::reset)) {
    NUCLEO_TRY(attach_range(bus, ResetControl::kKbcCommand, ResetControl::kKbcCommand, reset_));
    NUCLEO_TRY(attach_range(bus, ResetControl::kResetControl, ResetControl::kResetControl, reset_));
  }
  if (has(Device::ioapic)) ioapic_.connect(setup.lapics, setup.kicker);
  if (has(Device::fw_cfg)) {
    FwCfgDescription d;
    d.cpu_count = static_cast<u16>(setup.vcpu_count);
    d.ram_bytes = vm_.ram_size;
    d.cmdline = setup.cmdline;
    d.files = setup.fw_cfg_files;
    NUCLEO_TRY(fw_cfg_.configure(d));
    NUCLEO_TRY(attach_range(bus, FwCfg::kFirstPort, FwCfg::kLastPort, fw_cfg_));
  }
  return Error{};
}

Result<u64> PcPlatform::attach(const PcPlatformSetup& setup) {
  devices_ = setup.devices;
  attention_ = setup.lapics.size() > 0 && setup.lapics[0] ? &setup.lapics[0]->attention : nullptr;
  NUCLEO_TRY(attach_pc_devices(setup));
  if (!has(Device::acpi)) return u64{0};
  // The FADT names the PM timer, so ACPI brings it along.
  NUCLEO_TRY(attach_range(vm_.io, PmTimer::kDefaultPort, PmTimer::kDefaultPort + PmTimer::kLength - 1, pm_timer_));
  VmAcpiConfig acpi;
  acpi.cpu_count = setup.vcpu_count;
  acpi.legacy_devices = has(Device::uart) || has(Device::pit) || has(Device::rtc);
  acpi.cmos_rtc = has(Device::rtc);
  acpi.ioapic = has(Device::ioapic);
  if (has(Device::reset)) {
    acpi.reset_port = ResetControl::kResetControl;
    acpi.reset_value = ResetControl::kFadtResetValue;
  }
  const Result<VmAcpiTables> tables = build_vm_acpi(acpi, Span<u8>(vm_.ram, vm_.ram_size));
  if (!tables) return tables.error();
  return tables.value().rsdp;
}

u64 PcPlatform::next_deadline_tsc() {
  // Their IRQs reach a vCPU only through the 8259 pair or the I/O APIC.
  if (!has(Device::pic) && !has(Device::ioapic)) return 0;
  return vm_.io.locked([&] {
    return earliest(has(Device::pit) ? pit_.next_irq_deadline_tsc() : 0,
                    has(Device::rtc) ? rtc_.next_irq_deadline_tsc() : 0);
  });
}

void PcPlatform::poll(u64 now) {
  vm_.io.locked([&] {
    if (has(Device::pit)) (void)pit_.poll(now);
    if (has(Device::rtc)) (void)rtc_.poll(now);
  });
}

}  // namespace nucleo

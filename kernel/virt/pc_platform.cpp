// SPDX-License-Identifier: MIT
#include "kernel/virt/pc_platform.hpp"

#include "kernel/virt/acpi/vm_acpi.hpp"

namespace nucleo {

namespace {

Error attach_range(IoBus& bus, u16 first, u16 last, IoDevice& device) {
  return bus.attach(first, last, device) ? Error{}
                                         : make_error(Status::already_exists, "a device's ports overlap another's");
}

}  // namespace

Result<u64> PcPlatform::attach(const PcPlatformSetup& setup) {
  devices_ = setup.devices;
  IoBus& bus = vm_.io;
  if (has(Device::uart)) NUCLEO_TRY(attach_range(bus, Uart16550::kCom1Base, Uart16550::kCom1Base + 7, uart_));
  if (has(Device::debug_exit)) {
    NUCLEO_TRY(attach_range(bus, ExitPorts::kDebugExit, ExitPorts::kDebugExit, exit_ports_));
    NUCLEO_TRY(attach_range(bus, ExitPorts::kBochsShutdown, ExitPorts::kBochsShutdown, exit_ports_));
  }
  if (has(Device::pic)) {
    NUCLEO_TRY(attach_range(bus, Pic8259Pair::kMasterCommand, Pic8259Pair::kMasterData, pic_));
    NUCLEO_TRY(attach_range(bus, Pic8259Pair::kSlaveCommand, Pic8259Pair::kSlaveData, pic_));
    NUCLEO_TRY(attach_range(bus, Pic8259Pair::kElcrMaster, Pic8259Pair::kElcrSlave, pic_));
  }
  if (has(Device::pit)) {
    NUCLEO_TRY(attach_range(bus, Pit8254::kChannel0, Pit8254::kControl, pit_));
    NUCLEO_TRY(attach_range(bus, Pit8254::kPortB, Pit8254::kPortB, pit_));
  }
  if (has(Device::rtc)) NUCLEO_TRY(attach_range(bus, CmosRtc::kIndexPort, CmosRtc::kDataPort, rtc_));
  if (has(Device::pci)) NUCLEO_TRY(attach_range(bus, PciHost::kFirstPort, PciHost::kLastPort, pci_));
  if (has(Device::fw_cfg)) {
    FwCfgDescription d;
    d.cpu_count = static_cast<u16>(setup.vcpu_count);
    d.ram_bytes = vm_.ram_size;
    d.cmdline = setup.cmdline;
    d.files = setup.fw_cfg_files;
    NUCLEO_TRY(fw_cfg_.configure(d));
    NUCLEO_TRY(attach_range(bus, FwCfg::kFirstPort, FwCfg::kLastPort, fw_cfg_));
  }
  if (!has(Device::acpi)) return u64{0};
  // The FADT names the PM timer, so ACPI brings it along.
  NUCLEO_TRY(attach_range(bus, PmTimer::kDefaultPort, PmTimer::kDefaultPort + PmTimer::kLength - 1, pm_timer_));
  VmAcpiConfig acpi;
  acpi.cpu_count = setup.vcpu_count;
  acpi.legacy_devices = has(Device::uart) || has(Device::pit) || has(Device::rtc);
  acpi.cmos_rtc = has(Device::rtc);
  const Result<VmAcpiTables> tables = build_vm_acpi(acpi, Span<u8>(vm_.ram, vm_.ram_size));
  if (!tables) return tables.error();
  return tables.value().rsdp;
}

u64 PcPlatform::next_deadline_tsc() const {
  // Their IRQs reach a vCPU only through the 8259 pair.
  if (!has(Device::pic)) return 0;
  u64 next = 0;
  const u64 candidates[] = {has(Device::pit) ? pit_.next_irq_deadline_tsc() : 0,
                            has(Device::rtc) ? rtc_.next_irq_deadline_tsc() : 0};
  for (u64 t : candidates)
    if (t != 0 && (next == 0 || t < next)) next = t;
  return next;
}

void PcPlatform::poll(u64 now) {
  if (has(Device::pit)) (void)pit_.poll(now);
  if (has(Device::rtc)) (void)rtc_.poll(now);
}

}  // namespace nucleo

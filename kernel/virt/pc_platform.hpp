// SPDX-License-Identifier: MIT
// The virtual PC of one VM: the device models its configuration asks for
// (docs/config.md `devices`), attached to the VM's port bus, interrupts
// wired to the 8259 pair, ACPI tables in the BIOS area. Pure: the VMX side
// owns one per VM and only adds the vCPUs' local APICs and the clocks.
// docs/virtual-platform.md has the memory map and ports.
#pragma once

#include "kernel/config/vm_config.hpp"
#include "kernel/virt/devices/cmos_rtc.hpp"
#include "kernel/virt/devices/debug_devices.hpp"
#include "kernel/virt/devices/fw_cfg.hpp"
#include "kernel/virt/devices/pci_host.hpp"
#include "kernel/virt/devices/pic8259.hpp"
#include "kernel/virt/devices/pit8254.hpp"
#include "kernel/virt/devices/pm_timer.hpp"
#include "kernel/virt/devices/uart16550.hpp"
#include "kernel/virt/guest_clock.hpp"
#include "kernel/virt/vm.hpp"

namespace nucleo {

struct PcPlatformSetup {
  u32 devices = 0;   // device_bit()s
  u32 vcpu_count = 1;
  Str cmdline;       // the VM's, for fw_cfg
  Span<const FwCfgFile> fw_cfg_files;  // extra fw_cfg files (channels)
};

class PcPlatform {
 public:
  // rtc: the wall clock the CMOS clock starts from, and the RAM sizes it
  // reports in its NVRAM.
  PcPlatform(Vm& vm, const GuestClock& clock, const CmosRtc::Config& rtc)
      : vm_(vm), clock_(clock), rtc_(clock, pic_, rtc) {}
  PcPlatform(const PcPlatform&) = delete;

  // Builds and attaches the devices `setup` names; writes the ACPI tables
  // into the VM's RAM when it asks for "acpi". Returns the RSDP's address
  // (0 without ACPI). An Error names the device that could not be set up.
  Result<u64> attach(const PcPlatformSetup& setup);

  bool has(Device d) const { return (devices_ & device_bit(d)) != 0; }
  // The 8259 pair's INTR output, for vCPU 0 (nullptr without a PIC).
  Pic8259Pair* pic() { return has(Device::pic) ? &pic_ : nullptr; }
  // Timers that raise IRQs on their own: the earliest guest TSC at which
  // poll() has work (0: none), and poll() itself.
  u64 next_deadline_tsc() const;
  void poll(u64 now);

 private:
  Vm& vm_;
  const GuestClock& clock_;
  u32 devices_ = 0;
  // Device IRQs always drive the 8259 model; without "pic" in the
  // configuration nothing reads its output (pic() is nullptr), so they go
  // nowhere, and a guest polling the devices sees the same registers.
  Pic8259Pair pic_;
  Uart16550 uart_{vm_.console, pic_};
  ExitPorts exit_ports_{vm_};
  Pit8254 pit_{clock_, pic_};
  PciHost pci_;
  PmTimer pm_timer_{clock_, PmTimer::kDefaultPort};
  CmosRtc rtc_;
  FwCfg fw_cfg_;
};

}  // namespace nucleo

// SPDX-License-Identifier: MIT
// The virtual PC of one VM: the device models its configuration asks for
// (docs/config.md `devices`), attached to the VM's port bus, interrupts
// wired to the 8259 pair and the I/O APIC, ACPI tables in the BIOS area.
// Pure: the VMX side owns one per VM and only adds the vCPUs' local APICs
// and the clocks. docs/virtual-platform.md has the memory map and ports,
// docs/devices.md when device work runs (deadlines, attention).
#pragma once

#include "kernel/config/vm_config.hpp"
#include "kernel/virt/attention.hpp"
#include "kernel/virt/devices/cmos_rtc.hpp"
#include "kernel/virt/devices/debug_devices.hpp"
#include "kernel/virt/devices/fw_cfg.hpp"
#include "kernel/virt/devices/ioapic.hpp"
#include "kernel/virt/devices/pci_host.hpp"
#include "kernel/virt/devices/pic8259.hpp"
#include "kernel/virt/devices/pit8254.hpp"
#include "kernel/virt/devices/pm_timer.hpp"
#include "kernel/virt/devices/reset_control.hpp"
#include "kernel/virt/devices/uart16550.hpp"
#include "kernel/virt/guest_clock.hpp"
#include "kernel/virt/vm.hpp"

namespace nucleo {

struct PcPlatformSetup {
  u32 devices = 0;   // device_bit()s
  u32 vcpu_count = 1;
  Str cmdline;       // the VM's, for fw_cfg
  Span<const FwCfgFile> fw_cfg_files;  // extra fw_cfg files (channels)
  // The VM's local APICs by vCPU index and who kicks their cores: the I/O
  // APIC delivers to them, and vCPU 0's (which takes the 8259's output and
  // runs the devices' timers) is told when a device access may have changed
  // what it must deliver or when (its Attention).
  Span<VirtualLapic* const> lapics;
  VcpuKicker* kicker = nullptr;
};

class PcPlatform {
 public:
  // rtc: the wall clock the CMOS clock starts from, and the RAM sizes it
  // reports in its NVRAM.
  PcPlatform(Vm& vm, const GuestClock& clock, const CmosRtc::Config& rtc)
      : vm_(vm), clock_(clock), rtc_(clock, lines_, rtc) {}
  PcPlatform(const PcPlatform&) = delete;

  // Builds and attaches the devices `setup` names; writes the ACPI tables
  // into the VM's RAM when it asks for "acpi". Returns the RSDP's address
  // (0 without ACPI). An Error names the device that could not be set up.
  Result<u64> attach(const PcPlatformSetup& setup);

  bool has(Device d) const { return (devices_ & device_bit(d)) != 0; }
  // The 8259 pair's INTR output, for vCPU 0 (nullptr without a PIC).
  Pic8259Pair* pic() { return has(Device::pic) ? &pic_ : nullptr; }
  // The I/O APIC, for its MMIO page (nullptr without one).
  IoApic* ioapic() { return has(Device::ioapic) ? &ioapic_ : nullptr; }
  // Timers that raise IRQs on their own: the earliest guest TSC at which
  // poll() has work (0: none), and poll() itself. Both under the I/O-bus
  // lock, so a vCPU reprogramming a timer never races them (issue 13, hole 6).
  u64 next_deadline_tsc();
  void poll(u64 now);

 private:
  // ISA IRQ lines go to the 8259 pair and, with an I/O APIC, to its pins as
  // well (IRQ n on pin n, IRQ 0 on pin 2), as a PC's chipset wires both.
  class IsaIrqs final : public IrqLines {
   public:
    explicit IsaIrqs(PcPlatform& p) : p_(p) {}
    void set_irq(u32 irq, bool level) override;

   private:
    PcPlatform& p_;
  };
  // A device behind this wrapper may change the interrupts vCPU 0 must
  // deliver, or its timer deadline, on an access (writes; reads too when
  // they have side effects), so the access raises vCPU 0's attention.
  class Watched final : public IoDevice {
   public:
    Watched(PcPlatform& p, IoDevice& device, bool reads_matter) : p_(p), device_(device), reads_(reads_matter) {}
    bool io_in(u16 port, u8 size, u32& value) override;
    bool io_out(u16 port, u8 size, u32 value) override;

   private:
    PcPlatform& p_;
    IoDevice& device_;
    bool reads_;
  };
  void notify() {
    if (attention_) attention_->raise();
  }
  Error attach_pc_devices(const PcPlatformSetup& setup);

  Vm& vm_;
  const GuestClock& clock_;
  u32 devices_ = 0;
  Attention* attention_ = nullptr;  // vCPU 0's local APIC's
  // Device IRQs always drive the 8259 model; without "pic" in the
  // configuration nothing reads its output (pic() is nullptr), so they go
  // nowhere but to the I/O APIC, and a guest polling the devices sees the
  // same registers.
  Pic8259Pair pic_;
  IoApic ioapic_;
  IsaIrqs lines_{*this};
  Uart16550 uart_{vm_.console, lines_};
  ExitPorts exit_ports_{vm_};
  Pit8254 pit_{clock_, lines_};
  PciHost pci_;
  PmTimer pm_timer_{clock_, PmTimer::kDefaultPort};
  CmosRtc rtc_;
  FwCfg fw_cfg_;
  ResetControl reset_{vm_};
  Watched watched_pic_{*this, pic_, true};      // poll-mode reads acknowledge
  Watched watched_uart_{*this, uart_, true};    // RBR, IIR, LSR, MSR reads clear interrupts
  Watched watched_pit_{*this, pit_, false};     // reads never change a deadline or IRQ
  Watched watched_rtc_{*this, rtc_, true};      // reading register C clears its flags
};

}  // namespace nucleo

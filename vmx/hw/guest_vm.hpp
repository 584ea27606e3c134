// SPDX-License-Identifier: MIT
// A configured VM on VT-x: its RAM, EPT and bitmaps (VmxVm), its virtual
// PC, and one vCPU per core the configuration lists. Kernel-only; built by
// vmx/hw/vm_launcher.cpp.
#pragma once

#include "kernel/boot_info/multiboot2.hpp"
#include "kernel/config/vm_config.hpp"
#include "kernel/virt/hw_guest_clock.hpp"
#include "kernel/virt/pc_platform.hpp"
#include "vmx/hw/vcpu.hpp"

namespace nucleo::vmx {

struct GuestVm;

constexpr u64 kApicMmioBase = 0xFEE00000;  // the xAPIC page's guest-physical address

// What a core's idle loop runs: one vCPU of one VM.
struct VcpuTask {
  GuestVm* vm = nullptr;
  u32 index = 0;
};

struct GuestVm {
  VmxVm vmx;
  char name[kMaxVmNameLength + 1] = {};
  u32 vcpu_count = 0;
  u32 cores[kMaxVmCores] = {};  // vCPU i runs on core cores[i]
  Vcpu vcpus[kMaxVmCores];
  VcpuTask tasks[kMaxVmCores];
  GuestStart boot_start;        // vCPU 0, from the image's loader
  HwGuestClock clock;
  PcPlatform platform;
  VirtualLapic* lapics[kMaxVmCores] = {};  // with the "lapic" device
  u64 apic_access_phys = 0;

  // IPIs between the VM's vCPUs (kernel/virt/lapic): the target's APIC
  // takes the interrupt, and its core is made to look: NMI by an NMI (an NMI
  // exit), SIPI by a SIPI (the SIPI exit of a vCPU waiting for it; nothing
  // else leaves that state), INIT and fixed interrupts by a host interrupt
  // (an external-interrupt exit; the INIT happens at the next entry). Only the VM's own vCPUs are reachable: the
  // model hands over indices below the VM's vCPU count only.
  class IpiKick final : public IpiSink {
   public:
    explicit IpiKick(GuestVm& vm) : vm_(vm) {}
    void deliver(u32 target, IpiKind kind, u8 vector) override;

   private:
    GuestVm& vm_;
  };
  IpiKick ipi_kick{*this};

  explicit GuestVm(const CmosRtc::Config& rtc) : platform(vmx.vm, clock, rtc) {}

  // Allocates and builds the VM `c` describes; its images come from `info`'s
  // modules. VPIDs first_vpid .. first_vpid + cores - 1. A failure is
  // explained in words to `why`.
  static Result<GuestVm*> create(const VmConfig& c, const mb2::BootInfo& info, u16 first_vpid,
                                 ConsoleLineSink& console, Sink& why);

  // An application processor: inactive until a SIPI (SDM Vol. 3A 10.4.2).
  static GuestStart ap_start() {
    GuestStart s;
    s.mode = GuestStart::Mode::real;
    s.wait_for_sipi = true;
    return s;
  }

  // The local APICs, their pages and the APIC-access page (SDM Vol. 3C 30).
  Error create_lapics();

  // Ends the VM (the first reason wins).
  void stop(StopReason reason);

  // Makes every vCPU but `except` leave the guest and notice that the VM
  // stopped: a SIPI for one waiting for SIPI (nothing else wakes that state,
  // SDM Vol. 3C 25.2), a host interrupt for one that runs. Idempotent.
  void kick_all_but(u32 except);
};

}  // namespace nucleo::vmx

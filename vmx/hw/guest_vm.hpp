// SPDX-License-Identifier: MIT
// A configured VM on VT-x: its RAM, EPT and bitmaps (VmxVm), its virtual
// PC, and one vCPU per core the configuration lists. Kernel-only; built by
// vmx/hw/vm_launcher.cpp.
#pragma once

#include "kernel/boot_info/multiboot2.hpp"
#include "kernel/config/vm_config.hpp"
#include "kernel/virt/channel/channel_table.hpp"
#include "kernel/virt/console_queue.hpp"
#include "kernel/virt/hw_guest_clock.hpp"
#include "kernel/virt/pc_platform.hpp"
#include "vmx/hw/vcpu.hpp"

namespace nucleo::vmx {

struct GuestVm;

constexpr u64 kApicMmioBase = 0xFEE00000;
constexpr usize kMaxCmdlineText = 512;  // the xAPIC page's guest-physical address

// What a core's idle loop runs: one vCPU of one VM.
struct VcpuTask {
  GuestVm* vm = nullptr;
  u32 index = 0;
};

// Every started VM by its index in the configuration (for channels'
// doorbells between VMs); filled by vmx/hw/vm_launcher.cpp.
GuestVm* configured_vm(u32 config_index);
// The started VM whose EPT has this EPTP (BINVEPT's emulation), or nullptr.
GuestVm* configured_vm_by_eptp(u64 eptp);
ChannelTable* configured_channels();

struct GuestVm final : VmServices, ext::IsaServices {
  VmxVm vmx;
  u32 config_index = 0;
  i64 wall_seconds = 0;  // the machine's wall clock at wall_tsc
  u64 wall_tsc = 0;
  char name[kMaxVmNameLength + 1] = {};
  u32 vcpu_count = 0;
  u32 cores[kMaxVmCores] = {};  // vCPU i runs on core cores[i]
  Vcpu vcpus[kMaxVmCores];
  VcpuTask tasks[kMaxVmCores];
  GuestStart boot_start;        // vCPU 0, from the image's loader
  const VmConfig* config = nullptr;
  const mb2::BootInfo* info = nullptr;
  CmosRtc::Config rtc_config;
  u32 restarts = 0;
  char cmdline_text[kMaxCmdlineText] = {};

  // A channel's doorbell as an I/O port, for VMs that make no hypercalls
  // (docs/hypercalls.md, "Channels for unmodified guests"): a 1-byte OUT
  // rings the peer like NUCLEO_HC_CHANNEL_RING.
  class DoorbellPort final : public IoDevice {
   public:
    GuestVm* vm = nullptr;
    u32 handle = 0;
    bool io_in(u16, u8, u32&) override { return false; }
    bool io_out(u16 port, u8 size, u32 value) override;
  };
  static constexpr u16 kFirstDoorbellPort = 0x5A0;
  DoorbellPort doorbells[kMaxChannels];
  struct ChannelFile {
    char name[56];
    u8 data[18];
  };
  ChannelFile channel_files[kMaxChannels];
  FwCfgFile fw_cfg_files[kMaxChannels];
  // The console's lines on their way to the host console (kept across
  // restarts, with the count of lines dropped because it was full).
  ConsoleQueue console_queue;
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
  // The I/O APIC's messages: the target's APIC already took the interrupt;
  // its core is made to look as for an IPI of that kind.
  class IoApicKick final : public VcpuKicker {
   public:
    explicit IoApicKick(GuestVm& vm) : vm_(vm) {}
    void kick(u32 vcpu, IpiKind kind) override;

   private:
    GuestVm& vm_;
  };
  IoApicKick ioapic_kick{*this};

  // Page migration (vmx/hw/page_migration.cpp): frames reserved when the VM
  // was built, because no frame is allocated on a running VM's core: two
  // per page that may move (it moves between them; the frame it leaves
  // returns here, never to the host, so a hypervisor access that raced the
  // move still lands in the VM's own memory) and two EPT tables per page
  // for the splits of a 1-GiB and a 2-MiB leaf.
  class MigrationFrames final : public EptPageSource {
   public:
    static constexpr u32 kTables = 2 * MovedPages::kMax;
    u64 pages[MovedPages::kMax][2] = {};
    u64 tables[kTables] = {};
    u32 tables_used = 0;
    Result<u64> alloc_zeroed_page() override;
    u64* table(u64 phys) override;
  };
  MigrationFrames migration;
  u32 migration_lock = 0;
  Error reserve_migration_frames();
  // Puts every moved page back at its place in RAM (restart: no vCPU runs).
  void unmove_pages();
  // INVEPT of the VM's EPTP on each of its cores, by cross-call or by
  // BINVEPT, counted on vCPU `self`.
  void invalidate_ept(u32 self, bool binvept);

  explicit GuestVm(const CmosRtc::Config& rtc) : platform(vmx.vm, clock, rtc) {}

  // Allocates and builds the VM `c` describes; its images come from `info`'s
  // modules. VPIDs first_vpid .. first_vpid + cores - 1. A failure is
  // explained in words to `why`.
  static Result<GuestVm*> create(const VmConfig& c, u32 config_index, const mb2::BootInfo& info,
                                 u16 first_vpid, Sink& why);

  // Maps the VM's channels (configured_channels()) after its RAM, gives FV
  // guests their fw_cfg files and doorbell ports; the count of fw_cfg files.
  Result<u32> attach_channels(bool fw_cfg);

  // An application processor: inactive until a SIPI (SDM Vol. 3A 10.4.2).
  static GuestStart ap_start() {
    GuestStart s;
    s.mode = GuestStart::Mode::real;
    s.wait_for_sipi = true;
    return s;
  }

  // A fresh boot of the guest into the VM's existing memory (the channels,
  // the virtual PC, the image); restart() first clears RAM and every device
  // and vCPU, keeps the channels' regions, and appends nucleo.boot=N.
  Error boot(Sink& why);
  Error restart(Sink& why);
  // Stopped otherwise than by its own request (on_crash decides).
  bool crashed() const;
  static constexpr u32 kMaxRestarts = 16;

  // The local APICs, their pages and the APIC-access page (SDM Vol. 3C 30).
  Error create_lapics();

  // VmServices: what a vCPU's hypercalls reach beyond itself.
  void post_event(u32 vcpu, u8 vector) override;
  void exit_stats(nucleo_hc_exit_stats& out) override;
  void isa_stats(nucleo_hc_isa_stats& out) override;

  // ext::IsaServices: VTLBI's invalidations (vmx/hw/guest_tlb.cpp) and
  // VNOTIFY's ring, which is ring_channel().
  void flush_own_tlb(u32 self, u64 linear, u64 pages) override;
  u32 broadcast_tlb_flush(u32 self) override;
  ext::NotifyStatus notify_channel(u64 handle) override;

  // This VM rings the peer of its channel `handle` (ChannelTable::
  // ring_and_signal): the doorbell ports and VNOTIFY.
  ChannelRing::Kind ring_channel(u64 handle);
  u64 wall_clock_ns() override;
  ChannelTable* channels() override { return configured_channels(); }
  u32 vm_index() override { return config_index; }
  bool signal_vm(u32 vm, u32 vcpu, u8 vector) override;
  i64 start_vcpu(u32 index, u64 entry, u32 arg) override;
  i64 migrate_page(u32 self, u64 gpa, bool binvept) override;

  // Ends the VM (the first reason wins).
  void stop(StopReason reason);

  // Makes vCPU `vcpu`'s core look at it: an NMI (an NMI exit), a SIPI with
  // `sipi_vector` (the only way out of wait-for-SIPI), a host interrupt (an
  // external-interrupt exit, or the end of a sleep in the hypervisor), or
  // both of the last two. Nothing when the vCPU runs on this core.
  enum class Kick : u8 { nmi, sipi, wake, sipi_and_wake };
  void kick(u32 vcpu, Kick how, u8 sipi_vector = 0) const;

  // Makes every vCPU but `except` leave the guest and notice that the VM
  // stopped: a SIPI for one waiting for SIPI (nothing else wakes that state,
  // SDM Vol. 3C 25.2), a host interrupt for one that runs. Idempotent.
  void kick_all_but(u32 except);
};

}  // namespace nucleo::vmx

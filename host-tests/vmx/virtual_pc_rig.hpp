// SPDX-License-Identifier: MIT
// A rig for the virtual-PC paths of vmx/core (event_delivery.cpp,
// exit_events.cpp, exit_msr.cpp with ctx.lapic): the ExitRig's VM and fake
// VMCS, plus a VirtualLapic whose clock is the fake CPU's TSC, an optional
// PcPlatform with the 8259 pair (vCPU 0), and a CPU seam that records
// every idle() and can run a callback in it (another core's IPI arriving
// while the vCPU sleeps in HLT). `pc` is the ExitContext of such a vCPU;
// the ExitRig's own `ctx` stays the VM without a local APIC.
#pragma once

#include <functional>
#include <memory>
#include <vector>

#include "host-tests/support/exit_rig.hpp"
#include "kernel/virt/lapic/virtual_lapic.hpp"
#include "kernel/virt/pc_platform.hpp"
#include "vmx/core/event_delivery.hpp"

namespace nucleo::vmx::exit_test {

using namespace nucleo::vlapic;

constexpr u32 kActivityActive = 0, kActivityWaitForSipi = 3;  // SDM Vol. 3C 25.4.2
constexpr u32 kIntWindow = proc::kInterruptWindowExiting;
constexpr u32 kNmiWindow = proc::kNmiWindowExiting;
constexpr u32 kNmiInjection = (1u << 31) | (2u << 8) | 2;  // valid, type NMI (2), vector 2 (SDM Vol. 3C 25.8.3)

// The guest TSC is the fake CPU's (TSC offset 0 in these tests).
class CpuClock final : public GuestClock {
 public:
  explicit CpuClock(const test::FakeCpu& cpu) : cpu_(cpu) {}
  u64 tsc() const override { return cpu_.tsc; }
  u64 tsc_hz() const override { return 1'000'000'000; }

 private:
  const test::FakeCpu& cpu_;
};

// Forwards to the FakeCpu; idle() records its deadline and runs on_idle.
class IdleCpu final : public CpuAccess {
 public:
  explicit IdleCpu(test::FakeCpu& cpu) : cpu_(cpu) {}
  CpuidValues cpuid(u32 leaf, u32 subleaf) override { return cpu_.cpuid(leaf, subleaf); }
  u64 rdmsr(u32 msr) override { return cpu_.rdmsr(msr); }
  u64 rdtsc() override { return cpu_.rdtsc(); }
  void xsetbv(u32 xcr, u64 value) override { cpu_.xsetbv(xcr, value); }
  void write_cr2(u64 value) override { cpu_.write_cr2(value); }
  void relax() override { cpu_.relax(); }
  void idle(u64 tsc_deadline) override {
    idle_deadlines.push_back(tsc_deadline);
    if (on_idle) on_idle();
  }
  std::vector<u64> idle_deadlines;
  std::function<void()> on_idle;

 private:
  test::FakeCpu& cpu_;
};

struct VirtualPcRig : ExitRig {
  CpuClock clock{cpu};
  LapicPage page{};
  VirtualLapic lapic;
  IdleCpu idle_cpu{cpu};
  ExitContext pc{vm, regs, vcpu, touch, idle_cpu, caps};
  std::unique_ptr<PcPlatform> platform;

  explicit VirtualPcRig(u32 id = 0) : lapic(page, clock, config(id)) {
    vcpu.id = id;
    vcpu.has_lapic = true;
    pc.lapic = &lapic;
    cpu.tsc = 1000;
    vmcs.set(Vmcs32::guest_activity_state, kActivityActive);
  }
  static LapicConfig config(u32 id) {
    LapicConfig c;
    c.id = id;
    c.vcpu_count = 2;
    return c;
  }

  // SVR: software enable, spurious vector 0xFF (SDM Vol. 3A 11.9).
  void enable_apic() { lapic.write(kSvr, 0x1FF); }
  // LVT timer in TSC-deadline mode (11.5.4.1) with `vector`, armed for `at`.
  void arm_tsc_deadline(u8 vector, u64 at) {
    lapic.write(kLvtTimer, (2u << kLvtTimerModeShift) | vector);
    ASSERT_FALSE(lapic.wrmsr(kMsrTscDeadline, at).gp);
  }
  // vCPU 0 of a VM with the 8259 pair, initialised (ICW1-4, 8259A data
  // sheet) with vectors 0x20-0x27 / 0x28-0x2F, every IRQ unmasked.
  Pic8259Pair& attach_pic() {
    platform = std::make_unique<PcPlatform>(vm, clock, CmosRtc::Config{});
    PcPlatformSetup setup;
    setup.devices = device_bit(Device::pic);
    EXPECT_TRUE(platform->attach(setup).ok());
    pc.platform = platform.get();
    Pic8259Pair& pic = *platform->pic();
    const u8 master[] = {0x11, 0x20, 0x04, 0x01, 0x00}, slave[] = {0x11, 0x28, 0x02, 0x01, 0x00};
    for (u32 i = 0; i < 5; ++i) {
      vm.io.out(i == 0 ? Pic8259Pair::kMasterCommand : Pic8259Pair::kMasterData, 1, master[i]);
      vm.io.out(i == 0 ? Pic8259Pair::kSlaveCommand : Pic8259Pair::kSlaveData, 1, slave[i]);
    }
    return pic;
  }
  // An edge on ISA IRQ `irq`.
  void pulse_irq(u32 irq) {
    platform->pic()->set_irq(irq, true);
    platform->pic()->set_irq(irq, false);
  }

  // One whole exit of this vCPU, as the vCPU loop plays it.
  bool pc_exit(ExitReason reason, u64 qualification = 0, u32 length = 0) {
    vmcs.set(Vmcs32::exit_reason, static_cast<u32>(reason));
    vmcs.set(VmcsNat::exit_qualification, qualification);
    vmcs.set(Vmcs32::exit_instruction_length, length);
    decode_exit(pc);
    last = dispatch(pc);
    return apply(pc, last);
  }
  // What every VM exit does to the entry field: clears its valid bit (SDM
  // Vol. 3C 28.2, updating VM-entry control fields).
  void exit_clears_injection() { vmcs.set(Vmcs32::entry_interruption_info, 0); }

  u32 injected() { return vmcs.read(Vmcs32::entry_interruption_info); }
  u32 proc_controls() { return vmcs.read(Vmcs32::proc_controls); }
  u32 activity() { return vmcs.read(Vmcs32::guest_activity_state); }
  void set_if(bool on) { vmcs.set(VmcsNat::guest_rflags, x86::kRflagsFixed | (on ? x86::kRflagsIf : 0)); }
};

}  // namespace nucleo::vmx::exit_test

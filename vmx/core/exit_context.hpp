// SPDX-License-Identifier: MIT
// What an exit handler gets: the VM, the vCPU's registers and state, and the
// seams to the VMCS and the CPU. Handlers take it and return an ExitAction
// (kernel/virt/exit_action.hpp); they execute no privileged instruction.
#pragma once

#include "kernel/virt/cpu_access.hpp"
#include "kernel/virt/lapic/virtual_lapic.hpp"
#include "kernel/virt/hypercall/hypercall_env.hpp"
#include "kernel/virt/pc_platform.hpp"
#include "kernel/virt/guest_regs.hpp"
#include "kernel/virt/vm.hpp"
#include "vmx/core/capabilities.hpp"
#include "vmx/core/cpuid_view.hpp"
#include "vmx/core/vcpu_msrs.hpp"
#include "vmx/core/vmcs_access.hpp"
#include "vmx/ext/isa_state.hpp"

namespace nucleo::vmx {

constexpr u32 kExitReasonCount = 96;  // above the highest basic reason (exit_reason.hpp)

// Per-vCPU counters: exits and the TSC ticks spent handling them, per basic
// exit reason (total and the fastest one: the bare path of that reason).
// record() runs after every exit, so it has no branch: the clamp and the
// minimum compile to conditional moves.
struct ExitStats {
  u64 count[kExitReasonCount] = {};
  u64 tsc[kExitReasonCount] = {};
  u64 min_tsc[kExitReasonCount] = {};
  void record(u32 reason, u64 ticks) {
    const u32 r = reason < kExitReasonCount ? reason : kExitReasonCount - 1;
    const u64 previous = min_tsc[r];
    min_tsc[r] = (count[r] == 0 || ticks < previous) ? ticks : previous;
    ++count[r];
    tsc[r] += ticks;
  }
  u64 total() const {
    u64 n = 0;
    for (u64 c : count) n += c;
    return n;
  }
};

// Architectural state of a vCPU that the VMCS does not hold.
struct VcpuState {
  u32 id = 0;          // vCPU index in the VM = its APIC ID
  u32 vcpu_count = 1;  // vCPUs in the VM (CPUID topology)
  u64 xcr0 = 1;        // x87 only at reset (SDM Vol. 1 13.3)
  u64 apic_base = 0xFEE00800;  // enabled; the BSP bit is added for vCPU 0 (SDM Vol. 3A 12.4.4)
  u64 preemption_timer = 0;    // reload value; 0 = off
  u64 tpr = 0;                 // CR8: task priority (virtual; no APIC model yet)
  // The one-shot timer of the hypercall ABI, and an interrupt waiting for
  // the guest to accept it (vmx/core/event_delivery.cpp).
  u64 timer_deadline = 0;      // TSC; 0 = not armed
  u8 timer_vector = 0;
  u8 pending_vector = 0;       // 0 = none
  u64 interrupts_injected = 0;
  u64 hypercalls = 0;
  // A virtual local APIC (ExitContext::lapic) is what the guest sees: CPUID
  // reports APIC, x2APIC and TSC-deadline. apicv: the processor virtualizes
  // it (virtual-APIC page, APIC-register virtualization, virtual-interrupt
  // delivery, SDM Vol. 3C chapter 30); otherwise every access is emulated.
  bool has_lapic = false;
  bool apicv = false;
  // Bochs 2.7 saves "blocking by SMI" in the interruptibility state of
  // vCPUs whose cores send or take INIT/SIPI traffic, outside SMM, where
  // the next entry refuses it (SDM Vol. 3C 27.3.1.5): the entry path clears
  // it for the vCPUs of multi-vCPU VMs (vmx/core/event_delivery.cpp).
  bool clear_smi_blocking = false;
  bool nmi_pending = false;  // a virtual NMI waits for the guest to accept it
  u64 nmis_injected = 0;
  // Hypercall events (NUCLEO_HC_SEND_EVENT, channel doorbells) to a vCPU
  // without a local APIC: a 256-bit pending set any core may post into
  // (atomic OR), taken highest first by the vCPU's own core and injected as
  // external interrupts (no EOI, like an edge on a virtual wire).
  // post_event returns whether the vCPU's core must be kicked: only when
  // events_any goes from 0 to 1. Set, it says the core has not yet taken
  // the events (take_event exchanges it for 0 before it scans), so this
  // vector is seen without another kick: a doorbell storm costs one kick
  // per time the target looks, not one per ring.
  u32 events[8] = {};
  u32 events_any = 0;
  bool post_event(u8 vector) {
    __atomic_fetch_or(&events[vector >> 5], 1u << (vector & 31), __ATOMIC_ACQ_REL);
    return __atomic_exchange_n(&events_any, 1u, __ATOMIC_ACQ_REL) == 0;
  }
  // NUCLEO_HC_VCPU_START: the entry and argument another vCPU asked this
  // (waiting) vCPU to start at; `started` is claimed once, atomically.
  u32 started = 0;
  u32 start_requested = 0;
  u64 start_entry = 0;
  u32 start_arg = 0;
  u64 tsc_hz = 0;
  // The extended instructions (vmx/ext): the proposals the VM enabled
  // (ext::bit(Id) mask; the exception bitmap takes #UD when not 0) and
  // their counters.
  u32 extensions = 0;
  ext::IsaStats isa;
  // In wait-for-SIPI (atomic): a VTLBI does not wait for such a vCPU, which
  // takes no host interrupt there and drops its translations on its SIPI.
  u32 waiting_for_sipi = 0;
  // Filled once before the vCPU first runs (build_cpuid_view); empty, every
  // CPUID exit is computed (as in host tests that do not build it).
  CpuidView cpuid;
  // The MSRs behind the virtual CPU's features that neither the VMCS nor
  // the physical CPU holds (vmx/core/vcpu_msrs.hpp).
  VcpuMsrs msrs;
};

struct ExitContext {
  Vm& vm;
  GuestRegs& regs;
  VcpuState& vcpu;
  VmcsAccess& vmcs;
  CpuAccess& cpu;
  const VmxCapabilities& caps;
  // The vCPU's virtual local APIC and the VM's virtual PC; nullptr for VMs
  // without them (the test VMs).
  VirtualLapic* lapic = nullptr;
  PcPlatform* platform = nullptr;
  // What hypercalls may reach beyond this vCPU (other vCPUs, channels, the
  // VM's statistics); nullptr: only this vCPU (vmx/core/vcpu_hypercalls.hpp).
  HypercallEnv* hypercall_env = nullptr;
  // What the extended instructions reach beyond this vCPU; nullptr: VTLBI
  // cannot reach other vCPUs (it #UDs).
  ext::IsaServices* isa = nullptr;
  // Decoded once by the dispatcher (SDM Vol. 3C 28.2.1).
  u32 basic_reason = 0;
  u64 qualification = 0;
  u32 instruction_length = 0;
  bool entry_failure = false;  // bit 31 of the exit reason
};

}  // namespace nucleo::vmx

// SPDX-License-Identifier: MIT
// A VT-x vCPU: its VMCS, registers and counters, and the VM resources the
// VMCS points at (EPT, I/O and MSR bitmaps: one set per VM). Kernel-only.
#pragma once

#include "kernel/virt/console_queue.hpp"
#include "kernel/virt/guest_regs.hpp"
#include "kernel/virt/vm.hpp"
#include "vmx/core/capabilities.hpp"
#include "vmx/core/ept.hpp"
#include "vmx/core/exit_context.hpp"
#include "vmx/core/guest_state_init.hpp"
#include "vmx/core/vcpu_hypercalls.hpp"

namespace nucleo::vmx {

struct VmxVm {
  Vm vm;
  Ept ept;
  u64 io_bitmap_a = 0, io_bitmap_b = 0, msr_bitmap = 0;  // physical
  // Bumped by each VTLBI (vmx/hw/guest_tlb.cpp): a vCPU whose tlb_seen is
  // older drops its guest translations before it enters the guest again.
  u64 tlb_generation = 0;
};

struct Vcpu {
  VmxVm* vm = nullptr;
  // The virtual PC (configured VMs only): the vCPU's local APIC, whose
  // register page is also the VMCS's virtual-APIC page, and the VM's
  // APIC-access page; the VM's devices.
  VirtualLapic* lapic = nullptr;
  u64 lapic_page_phys = 0;
  u64 apic_access_phys = 0;
  PcPlatform* platform = nullptr;
  VmServices* services = nullptr;  // hypercalls beyond this vCPU; nullptr: none
  ext::IsaServices* isa = nullptr;  // extended instructions beyond this vCPU; nullptr: none
  bool starts_waiting = false;     // an application processor: wait-for-SIPI at launch
  u16 vpid = 0;
  u64 vmcs_phys = 0;
  bool launched = false;
  // Between the last check of tlb_generation and the end of the VM exit
  // (atomic): what VTLBI's sender waits on (vmx/hw/guest_tlb.cpp).
  u32 in_guest = 0;
  u64 tlb_seen = 0;
  // run_vcpu's loop is on this vCPU's core (atomic): until then an NMI
  // kick would find only the idle loop, so GuestVm::kick sends a wake.
  u32 loop_running = 0;
  // The VM's console queue (configured VMs): drained after exits, off the
  // guest's device path (vmx/hw/guest_console.hpp); nullptr: none.
  ConsoleQueue* console_queue = nullptr;
  GuestRegs regs = {};
  VcpuState state;
  ExitStats stats;
};

// Allocates the VM's RAM (one contiguous host range), EPT and bitmaps.
Error create_vmx_vm(VmxVm& out, Str name, u32 id, u64 ram_bytes);

// Allocates and fills the VMCS of `vcpu` (controls, host and guest state)
// and leaves it current on this CPU.
Error setup_vcpu(Vcpu& vcpu, VmxVm& vm, const GuestStart& start);

// Drops the vCPU's guest translations because a VTLBI bumped its VM's
// tlb_generation (vmx/hw/guest_tlb.cpp); on the vCPU's own core.
void flush_stale_guest_tlb(Vcpu& vcpu);

// Runs the vCPU on this CPU until its VM stops.
void run_vcpu(Vcpu& vcpu);

}  // namespace nucleo::vmx

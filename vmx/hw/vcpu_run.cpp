// SPDX-License-Identifier: MIT
// The vCPU loop: enter the guest, decode the exit, dispatch, apply, repeat
// until the VM stops. A failed VM entry is explained: the VM-instruction
// error (SDM Vol. 3C 31.4), or for an entry-failure exit the guest-state
// checker's first finding; only that VM stops.
#include "kernel/arch/cpu.hpp"
#include "kernel/console/log.hpp"
#include "kernel/time/clock.hpp"
#include "kernel/config/vm_config.hpp"
#include "kernel/virt/hw_cpu_access.hpp"
#include "vmx/core/cpuid_allow.hpp"
#include "vmx/core/dispatcher.hpp"
#include "vmx/core/event_delivery.hpp"
#include "vmx/core/exit_cpuid.hpp"
#include "vmx/core/exit_info.hpp"
#include "vmx/core/exit_reason.hpp"
#include "vmx/core/guest_state_check.hpp"
#include "vmx/hw/vcpu.hpp"
#include "vmx/hw/vmcs_hw.hpp"
#include "vmx/hw/vmx_root.hpp"

extern "C" nucleo::u64 vmx_run(nucleo::GuestRegs* regs, nucleo::u64 launched);

namespace nucleo::vmx {

namespace {

// SDM Vol. 3C 31.4, Table 31-1 (the errors an entry can report).
const char* vm_instruction_error(u32 n) {
  switch (n) {
    case 3: return "VMCLEAR with the VMXON pointer";
    case 4: return "VMLAUNCH with a non-clear VMCS";
    case 5: return "VMRESUME with a non-launched VMCS";
    case 7: return "VM entry with invalid control field(s)";
    case 8: return "VM entry with invalid host-state field(s)";
    case 12: return "VMREAD/VMWRITE of an unsupported VMCS component";
    case 13: return "VMWRITE to a read-only VMCS component";
    case 26: return "VM entry with events blocked by MOV SS";
    default: return "see SDM Vol. 3C Table 31-1";
  }
}

void report_entry_failure(Vcpu& v, HwVmcs& vmcs, bool instruction_failed) {
  Vm& vm = v.vm->vm;
  if (instruction_failed) {
    const u32 err = vmcs.read(Vmcs32::vm_instruction_error);
    vm.diagnose("VM{} failed: VM-instruction error {} ({})", v.launched ? "RESUME" : "LAUNCH", err,
                vm_instruction_error(err));
    return;
  }
  const u32 reason = ExitReasonField(vmcs.read(Vmcs32::exit_reason)).basic();
  const GuestStateProblem p = check_guest_state(vmcs, capabilities());
  if (!p.ok) {
    vm.diagnose("VM entry failed ({}): {} = {:#x}: {} (SDM {})", exit_reason_name(reason), p.field, p.value, p.rule,
                p.sdm);
    return;
  }
  vm.diagnose("VM entry failed ({}, qualification {:#x}); the guest-state checker found nothing it covers",
              exit_reason_name(reason), vmcs.read(VmcsNat::exit_qualification));
}

// Host work that must happen outside the handler, on this CPU's own paths.
void host_side_of(u32 reason, HwVmcs& vmcs) {
  static_assert(static_cast<u32>(ExitReason::exception_or_nmi) == 0 &&
                static_cast<u32>(ExitReason::external_interrupt) == 1);
  if (reason > 1) [[likely]]
    return;  // one test for every other exit
  if (reason == static_cast<u32>(ExitReason::external_interrupt)) {
    asm volatile("sti; nop; cli" ::: "memory");  // the host IDT takes the pending interrupt
  } else if (reason == static_cast<u32>(ExitReason::exception_or_nmi) &&
             InterruptionInfo(vmcs.read(Vmcs32::exit_interruption_info)).type() == InterruptionType::nmi) {
    asm volatile("int $2" ::: "memory");  // the NMI the guest was running through
  }
}

}  // namespace

void run_vcpu(Vcpu& v) {
  HwVmcs vmcs;
  HwCpuAccess cpu;
  Vm& vm = v.vm->vm;
  // A vCPU waiting for SIPI gets its time slice when it starts (the SIPI
  // exit): the timer does not run in that state (SDM Vol. 3C 26.5.1),
  // though Bochs 2.7 counts it down there, and a vCPU resumed into
  // wait-for-SIPI after such an exit never runs after its SIPI.
  if (v.state.preemption_timer)
    (void)vmcs.write(Vmcs32::guest_preemption_timer,
                     v.starts_waiting ? 0xFFFFFFFFu : static_cast<u32>(v.state.preemption_timer));
  build_cpuid_view(v.state.cpuid, cpu, v.state, vmcs.read(Vmcs32::proc_controls2));
  // The VM's firmware state of the MTRRs (its memory map: RAM below the
  // PCI hole, which is uncacheable up to 4 GiB).
  if (v.platform) firmware_mtrrs(v.state.msrs, kPciHoleBase, v.state.cpuid.cpu.phys_bits);
  // IA32_TSC_AUX is passed through to a VM with RDTSCP (vmx/hw/vcpu.cpp):
  // it starts at 0, not with what an earlier VM on this core left in it.
  if (v.state.cpuid.cpu.gates & gate::kRdtscp) cpu::wrmsr(0xC0000103, 0);
  ExitContext ctx{vm, v.regs, v.state, vmcs, cpu, capabilities()};
  ctx.lapic = v.lapic;
  ctx.platform = v.state.id == 0 ? v.platform : nullptr;  // the devices' timers and the 8259 output go to vCPU 0
  v.state.tsc_hz = clock::tsc_hz();
  VcpuHypercallEnv hypercalls(ctx, v.services);
  ctx.hypercall_env = &hypercalls;
  ctx.isa = v.isa;
  __atomic_store_n(&v.state.waiting_for_sipi, v.starts_waiting ? 1u : 0u, __ATOMIC_RELEASE);
  while (!vm.stopped) {
    prepare_entry(ctx);
    if (vm.stopped) [[unlikely]]
      break;  // the entry path found the VM reset (INIT to its boot vCPU)
    // VTLBI's other side (vmx/hw/guest_tlb.cpp): announce the entry, then
    // take any invalidation a sender published before it looked.
    __atomic_store_n(&v.in_guest, 1u, __ATOMIC_SEQ_CST);
    if (__atomic_load_n(&v.vm->tlb_generation, __ATOMIC_SEQ_CST) != v.tlb_seen) [[unlikely]]
      flush_stale_guest_tlb(v);
    const u64 failed = vmx_run(&v.regs, v.launched ? 1 : 0);
    __atomic_store_n(&v.in_guest, 0u, __ATOMIC_RELEASE);
    if (failed) [[unlikely]] {
      report_entry_failure(v, vmcs, true);
      vm.stopped = true;
      vm.stop_reason = StopReason::entry_failed;
      break;
    }
    // From here to the second RDTSC is the handler path the exit summary
    // reports per reason; decode and apply run on HwVmcs itself, so their
    // VMREADs/VMWRITEs are inline (vmx/core/dispatcher.hpp).
    const u64 t0 = cpu::rdtsc();
    decode_exit(ctx, vmcs);
    if (ctx.entry_failure) [[unlikely]] {
      report_entry_failure(v, vmcs, false);
      vm.stopped = true;
      vm.stop_reason = StopReason::entry_failed;
      break;
    }
    v.launched = true;
    host_side_of(ctx.basic_reason, vmcs);
    const ExitAction action = dispatch(ctx);
    apply(ctx, vmcs, action);
    v.stats.record(ctx.basic_reason, cpu::rdtsc() - t0);
  }
  vm.console.flush();
}

}  // namespace nucleo::vmx

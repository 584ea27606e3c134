// SPDX-License-Identifier: MIT
// Emulating BINVEPT (vmx/hw/binvept.hpp, docs/isa/binvept.md) for the
// hypervisor itself. The bytes raise #UD on today's processors; the host's
// #UD fixup (kernel/interrupts/exceptions.hpp) recognises them only in
// kernel text at CPL 0, decodes them with the laboratory's pure decoder
// (vmx/ext/isa_decode.hpp) and leaves every other #UD to the fatal dump.
//
// Why not emulate inside the exception handler: the emulation is a
// cross-call (INVEPT on every core of the VM, waiting for each), and
// run_on_cpus must wait with interrupts on, or two cores calling at once
// deadlock (smp/cross_call.hpp). An exception handler runs with interrupts
// off (interrupt gate) on top of whatever the faulting code held, and must
// not decide to let interrupts in on its behalf. So the handler only
// records the operands and the RIP after the instruction (per CPU), points
// the frame at binvept_trampoline and returns: the IRETQ restores the
// code's own stack and interrupt flag, and the trampoline calls
// binvept_complete as if the code had called the baseline itself.
#include "vmx/hw/binvept.hpp"

#include "kernel/arch/cpu.hpp"
#include "kernel/interrupts/exceptions.hpp"
#include "smp/smp.hpp"
#include "vmx/ext/isa_decode.hpp"
#include "vmx/hw/ept_shootdown.hpp"
#include "vmx/hw/guest_vm.hpp"
#include "vmx/hw/vmx_root.hpp"

extern "C" char __text_start[], __text_end[];  // boot/linker.ld
extern "C" void binvept_trampoline();
extern "C" void binvept_complete(nucleo::u64* flags_and_return);

namespace nucleo::vmx {

namespace {

struct Pending {
  u64 return_rip;  // after the instruction
  u64 eptp, type;  // ModRM.reg and ModRM.rm
  u32 busy;
};
constinit Pending g_pending[kMaxCpus] = {};

// ModRM register numbers (SDM Vol. 2A Table 2-2; REX.R/B add 8).
u64 gpr(const InterruptFrame& f, u8 n) {
  const u64 regs[16] = {f.rax, f.rcx, f.rdx, f.rbx, f.rsp, f.rbp, f.rsi, f.rdi,
                        f.r8,  f.r9,  f.r10, f.r11, f.r12, f.r13, f.r14, f.r15};
  return regs[n & 15];
}

bool on_invalid_opcode(InterruptFrame& f) {
  const u64 start = reinterpret_cast<u64>(__text_start), end = reinterpret_cast<u64>(__text_end);
  if ((f.cs & 3) != 0 || f.rip < start || f.rip >= end) return false;  // the kernel's own code only
  const u64 room = end - f.rip < 15 ? end - f.rip : 15;
  const ext::Decoded d = ext::decode(Span<const u8>(reinterpret_cast<const u8*>(f.rip), room), ext::CodeMode::long64);
  if (d.status != ext::Decoded::Status::ok || d.proposal->id != ext::Id::binvept) return false;
  Pending& p = g_pending[this_cpu().index];
  // Only thread context executes BINVEPT: a second one before the first
  // reached its trampoline (an interrupt handler's) is a kernel bug.
  if (p.busy) return false;
  p = Pending{f.rip + d.length, gpr(f, d.reg), gpr(f, d.rm), 1};
  f.rip = reinterpret_cast<u64>(binvept_trampoline);
  return true;
}

// RFLAGS after a VMX instruction (SDM Vol. 3C 31.2): VMsucceed clears CF,
// PF, AF, ZF, SF and OF; VMfailInvalid sets CF, VMfailValid ZF.
constexpr u64 kStatusFlags = (1u << 0) | (1u << 2) | (1u << 4) | (1u << 6) | (1u << 7) | (1u << 11);
u64 with_status(u64 rflags, hw::VmStatus s) {
  rflags &= ~kStatusFlags;
  if (s == hw::VmStatus::fail_invalid) rflags |= 1u << 0;
  if (s == hw::VmStatus::fail_valid) rflags |= 1u << 6;
  return rflags;
}

// The Operation section: the type must be one INVEPT has here; single-
// context reaches the cores of the VM that uses the EPTP (hardware would
// broadcast to every core; the others cache nothing of it), all-context
// every online core.
hw::VmStatus emulate(u64 eptp, u64 type) {
  const VmxCapabilities& caps = capabilities();
  const bool single = type == static_cast<u64>(hw::InveptType::single_context) && caps.invept_single();
  const bool all = type == static_cast<u64>(hw::InveptType::all_contexts) && caps.invept_all();
  if (!single && !all) return hw::VmStatus::fail_valid;  // VM-instruction error 28
  CpuSet cores;
  const GuestVm* vm = single ? configured_vm_by_eptp(eptp) : nullptr;
  if (vm) {
    for (u32 i = 0; i < vm->vcpu_count; ++i) cores.add(vm->cores[i]);
  } else {
    cores = smp::online_cpus();
  }
  return invept_on_cores(cores, static_cast<hw::InveptType>(type), eptp);
}

}  // namespace

void install_binvept_emulation() { set_exception_fixup(6, on_invalid_opcode); }

}  // namespace nucleo::vmx

using namespace nucleo;

// Called by binvept_trampoline: flags_and_return[0] is the RFLAGS the
// trampoline restores, [1] the address it returns to.
extern "C" void binvept_complete(u64* flags_and_return) {
  vmx::Pending& p = vmx::g_pending[this_cpu().index];
  const vmx::Pending op = p;
  __atomic_store_n(&p.busy, 0, __ATOMIC_RELEASE);
  flags_and_return[0] = vmx::with_status(flags_and_return[0], vmx::emulate(op.eptp, op.type));
  flags_and_return[1] = op.return_rip;
}

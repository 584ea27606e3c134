// SPDX-License-Identifier: MIT
// VTLBI's invalidations on VT-x (docs/isa/vtlbi.md). Guest translations are
// tagged with the vCPU's VPID, and INVVPID acts on the executing logical
// processor only (SDM Vol. 3C 29.4.3.3, INVVPID in Vol. 3C 31.3), so the
// emulation needs every core that runs a vCPU of the VM:
//
//   sender:  generation := generation + 1 (seq_cst); kick each vCPU that is
//            in the guest; wait until each is out of the guest or has seen
//            the new generation.
//   target:  in_guest := 1 (seq_cst); if generation != seen: INVVPID its
//            VPID, seen := generation; enter ... exit; in_guest := 0.
//
// Either the target's check sees the new generation, or the sender sees
// in_guest = 1 and waits for the exit its kick causes (both sides store,
// then load, sequentially consistent). A vCPU in wait-for-SIPI takes no
// host interrupt, so it is not waited for; it drops its translations when
// it starts. The wait is bounded: a core that does not answer is reported
// and the instruction completes anyway.
#include "kernel/arch/cpu.hpp"
#include "kernel/console/log.hpp"
#include "kernel/time/clock.hpp"
#include "vmx/hw/guest_vm.hpp"
#include "vmx/hw/instructions.hpp"
#include "vmx/hw/vmx_root.hpp"

namespace nucleo::vmx {

namespace {

constexpr u64 kPage = 4096;

void invalidate_vpid(u16 vpid, u64 linear, u64 pages) {
  const VmxCapabilities& caps = capabilities();
  // Without VPIDs every VM entry and exit flushes guest translations
  // (SDM Vol. 3C 29.4.3.1): nothing to do.
  if (!caps.has_vpid()) return;
  if (pages != 0 && caps.invvpid_individual()) {
    for (u64 i = 0; i < pages; ++i) (void)hw::invvpid(hw::InvvpidType::individual_address, vpid, linear + i * kPage);
    return;
  }
  (void)hw::invvpid(caps.invvpid_single() ? hw::InvvpidType::single_context : hw::InvvpidType::all_contexts, vpid);
}

}  // namespace

void flush_stale_guest_tlb(Vcpu& v) {
  const u64 generation = __atomic_load_n(&v.vm->tlb_generation, __ATOMIC_SEQ_CST);
  invalidate_vpid(v.vpid, 0, 0);
  __atomic_store_n(&v.tlb_seen, generation, __ATOMIC_RELEASE);
}

void GuestVm::flush_own_tlb(u32 self, u64 linear, u64 pages) { invalidate_vpid(vcpus[self].vpid, linear, pages); }

u32 GuestVm::broadcast_tlb_flush(u32 self) {
  const u64 generation = __atomic_add_fetch(&vmx.tlb_generation, 1, __ATOMIC_SEQ_CST);
  vcpus[self].tlb_seen = generation;  // the caller flushed its own already
  u32 reached = 0;
  for (u32 i = 0; i < vcpu_count; ++i) {
    if (i == self || __atomic_load_n(&vcpus[i].state.waiting_for_sipi, __ATOMIC_ACQUIRE)) continue;
    ++reached;
    if (__atomic_load_n(&vcpus[i].in_guest, __ATOMIC_SEQ_CST)) {
      kick(i, Kick::wake);
      // That vCPU's exit exists only because the invalidation is emulated.
      ++vcpus[self].state.isa.elided_exits[static_cast<u32>(ext::Id::vtlbi)];
    }
  }
  const u64 deadline = cpu::rdtsc() + clock::tsc_hz() / 10;  // 100 ms
  for (u32 i = 0; i < vcpu_count; ++i) {
    if (i == self) continue;
    Vcpu& t = vcpus[i];
    while (__atomic_load_n(&t.in_guest, __ATOMIC_SEQ_CST) &&
           __atomic_load_n(&t.tlb_seen, __ATOMIC_ACQUIRE) < generation &&
           !__atomic_load_n(&t.state.waiting_for_sipi, __ATOMIC_ACQUIRE)) {
      if (cpu::rdtsc() > deadline) {
        log::warn("vm {}: VTLBI: vCPU {} did not leave the guest within 100 ms; completing without it", vmx.vm.name, i);
        break;
      }
      asm volatile("sti; pause; cli" ::: "memory");  // cross-calls to this core still run
    }
  }
  return reached;
}

}  // namespace nucleo::vmx

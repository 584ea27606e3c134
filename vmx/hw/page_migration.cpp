// SPDX-License-Identifier: MIT
// Moving a page of a running VM to another host frame (NUCLEO_HC_MIGRATE_PAGE,
// docs/hypercalls.md): the run-time EPT change that memory compaction or
// NUMA migration makes, and the workload of BINVEPT (docs/isa/binvept.md).
//
//   1. write-protect the page in the EPT, invalidate on every core of the VM:
//      from here on a write takes an EPT violation and is retried
//      (vmx/core/exit_memory.cpp); reads still see the old frame, unchanged;
//   2. copy the old frame to the new one;
//   3. map the page at the new frame, writable; point the hypervisor's own
//      accesses there (Vm::moved); invalidate on every core again;
//   4. the old frame returns to the VM's reserve.
//
// Each invalidation must complete on every core before the next step: a
// core that kept the old writable translation after step 1 would write into
// the old frame after the copy, and the increment would be lost (the
// isa_lab migrate workload counts them). INVEPT acts on the executing core
// only (SDM Vol. 3C 29.4.3.3), so the baseline cross-calls the VM's cores;
// BINVEPT is the one instruction a processor could do it with.
#include "kernel/arch/cpu.hpp"
#include "kernel/console/log.hpp"
#include "kernel/memory/boot_memory.hpp"
#include "vmx/hw/binvept.hpp"
#include "vmx/hw/ept_shootdown.hpp"
#include "vmx/hw/guest_vm.hpp"

namespace nucleo::vmx {

namespace {

constexpr u32 kBinvept = static_cast<u32>(ext::Id::binvept);

}  // namespace

Result<u64> GuestVm::MigrationFrames::alloc_zeroed_page() {
  if (tables_used == kTables) return make_error(Status::out_of_memory, "no EPT table left in the migration reserve");
  const u64 phys = tables[tables_used++];
  u64* t = phys_to_virt<u64>(phys);
  for (u32 i = 0; i < 512; ++i) t[i] = 0;
  return phys;
}

u64* GuestVm::MigrationFrames::table(u64 phys) { return phys_to_virt<u64>(phys); }

Error GuestVm::reserve_migration_frames() {
  for (auto& pair : migration.pages)
    for (u64& frame : pair) {
      const Result<u64> f = frame_allocator().alloc();
      if (!f) return make_error(Status::out_of_memory, "no memory for the VM's page-migration frames");
      frame = f.value();
    }
  for (u64& table : migration.tables) {
    const Result<u64> f = frame_allocator().alloc();
    if (!f) return make_error(Status::out_of_memory, "no memory for the VM's page-migration EPT tables");
    table = f.value();
  }
  return {};
}

void GuestVm::invalidate_ept(u32 self, bool binvept) {
  ext::IsaStats& isa = vcpus[self].state.isa;
  const u64 eptp = vmx.ept.eptp();
  CpuSet vm_cores;
  u32 others = 0;
  for (u32 i = 0; i < vcpu_count; ++i) {
    vm_cores.add(cores[i]);
    if (i != self && __atomic_load_n(&vcpus[i].in_guest, __ATOMIC_ACQUIRE)) ++others;
  }
  const u64 t0 = cpu::rdtsc();
  const hw::VmStatus s = binvept ? hw::binvept(invept_scope(), eptp) : invept_on_cores(vm_cores, invept_scope(), eptp);
  const u64 ticks = cpu::rdtsc() - t0;
  if (s != hw::VmStatus::ok) log::warn("vm {}: {} of the EPT failed", vmx.vm.name, binvept ? "BINVEPT" : "INVEPT");
  if (binvept) {
    ++isa.executed[kBinvept];
    isa.targets[kBinvept] += others;
    isa.emulation_tsc[kBinvept] += ticks;
  } else {
    ++isa.baseline_runs[kBinvept];
    isa.baseline_tsc[kBinvept] += ticks;
    // Each of those cores takes the cross-call as an external-interrupt
    // exit, which BINVEPT would not cause.
    isa.elided_exits[kBinvept] += others;
  }
}

i64 GuestVm::migrate_page(u32 self, u64 gpa, bool binvept) {
  Vm& vm = vmx.vm;
  // One migration of the VM at a time; waiting with interrupts on, as the
  // holder's cross-call needs this core's answer (cross_call.hpp).
  while (__atomic_exchange_n(&migration_lock, 1u, __ATOMIC_ACQUIRE)) asm volatile("sti; pause; cli" ::: "memory");
  i64 result = 0;
  // Which pair of frames serves this page: its slot in Vm::moved, or the next.
  u32 slot = vm.moved.count();
  for (u32 i = 0; i < vm.moved.count(); ++i)
    if (vm.moved.gpa(i) == gpa) slot = i;
  const Ept::Walk now = vmx.ept.translate(gpa);
  if (slot == MovedPages::kMax || !now.mapped) {
    result = NUCLEO_HC_E_RANGE;
  } else {
    const u64 from = now.hpa;
    const u64 to = migration.pages[slot][0] == from ? migration.pages[slot][1] : migration.pages[slot][0];
    __atomic_store_n(&vm.moving_page, gpa, __ATOMIC_RELEASE);
    Error e = vmx.ept.remap_page(gpa, from, EptPerm::rx, EptMemType::write_back, migration);
    if (e.ok()) {
      invalidate_ept(self, binvept);
      const u8* src = phys_to_virt<const u8>(from);
      u8* dst = phys_to_virt<u8>(to);
      for (u32 i = 0; i < kPageSize; ++i) dst[i] = src[i];
      e = vmx.ept.remap_page(gpa, to, EptPerm::rwx, EptMemType::write_back, migration);
      if (e.ok()) (void)vm.moved.set(gpa, dst);  // the slot exists or there is room (checked above)
      else (void)vmx.ept.remap_page(gpa, from, EptPerm::rwx, EptMemType::write_back, migration);
      invalidate_ept(self, binvept);
    }
    __atomic_store_n(&vm.moving_page, Vm::kNotMoving, __ATOMIC_RELEASE);
    if (!e.ok()) {
      log::warn("vm {}: page {:#x} not moved: {}", vm.name, gpa, e.what);
      result = NUCLEO_HC_E_RANGE;
    }
  }
  __atomic_store_n(&migration_lock, 0u, __ATOMIC_RELEASE);
  return result;
}

void GuestVm::unmove_pages() {
  Vm& vm = vmx.vm;
  for (u32 i = 0; i < vm.moved.count(); ++i) {
    const u64 gpa = vm.moved.gpa(i);
    // The page was split already: this remap needs no table.
    (void)vmx.ept.remap_page(gpa, vm.ram_hpa + gpa, EptPerm::rwx, EptMemType::write_back, migration);
  }
  vm.moved.clear();
  // No vCPU runs; each runs INVEPT for the EPTP before its first entry (setup_vcpu).
}

}  // namespace nucleo::vmx

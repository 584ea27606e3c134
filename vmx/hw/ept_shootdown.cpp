// SPDX-License-Identifier: MIT
#include "vmx/hw/ept_shootdown.hpp"

#include "kernel/arch/cpu.hpp"
#include "kernel/console/log.hpp"
#include "smp/cross_call.hpp"
#include "vmx/hw/vmx_root.hpp"

namespace nucleo::vmx {

namespace {

struct InveptCall {
  hw::InveptType type;
  u64 eptp;
  u32 failures;
  hw::VmStatus first_failure;
};

// Runs on each core, from the cross-call's IPI handler (or directly on the caller).
void invept_here(void* arg) {
  auto* call = static_cast<InveptCall*>(arg);
  const hw::VmStatus s = hw::invept(call->type, call->eptp);
  if (s != hw::VmStatus::ok && __atomic_fetch_add(&call->failures, 1, __ATOMIC_ACQ_REL) == 0)
    call->first_failure = s;
}

}  // namespace

hw::InveptType invept_scope() {
  return capabilities().invept_single() ? hw::InveptType::single_context : hw::InveptType::all_contexts;
}

hw::VmStatus invept_on_cores(const CpuSet& cores, hw::InveptType type, u64 eptp) {
  InveptCall call{type, eptp, 0, hw::VmStatus::ok};
  // run_on_cpus serialises calls with a lock and then waits for the other
  // cores. Another core may hold that lock and wait for this one: with
  // interrupts on, this core answers its call IPI while it waits for the
  // lock (cross_call.hpp: "the caller must have interrupts enabled").
  const u64 flags = cpu::save_and_disable_interrupts();
  cpu::enable_interrupts();
  const Error e = smp::run_on_cpus(cores, invept_here, &call);
  cpu::disable_interrupts();
  cpu::restore_interrupts(flags);
  if (!e.ok()) log::warn("EPT shootdown: {} ({} cores); their translations may be stale", e.what, e.offset);
  return call.failures ? call.first_failure : hw::VmStatus::ok;
}

}  // namespace nucleo::vmx

// SPDX-License-Identifier: MIT
#include "smp/cross_call.hpp"

#include "kernel/arch/cpu.hpp"
#include "kernel/arch/lapic.hpp"
#include "kernel/arch/spinlock.hpp"
#include "kernel/interrupts/exceptions.hpp"
#include "kernel/time/clock.hpp"
#include "smp/smp.hpp"

namespace nucleo::smp {

namespace {

constexpr u64 kCallTimeoutUs = 1000000;  // generous: emulated CPUs on a busy host

struct Call {
  CallFn fn;
  void* arg;
  u32 remaining;
};

constinit TicketLock g_call_lock;
constinit Call g_call = {};

void on_call_ipi(InterruptFrame&) {
  PerCpu& me = this_cpu();
  if (__atomic_exchange_n(&me.call_pending, 0, __ATOMIC_ACQ_REL)) {
    g_call.fn(g_call.arg);
    __atomic_fetch_sub(&g_call.remaining, 1, __ATOMIC_RELEASE);
  }
  lapic::eoi();
}

void on_spurious(InterruptFrame&) {}  // no EOI for the spurious vector (SDM Vol. 3A 12.9)

void on_apic_error(InterruptFrame&) {
  lapic::write(lapic::kEsr, 0);
  lapic::eoi();
}

void on_wake(InterruptFrame&) { lapic::eoi(); }

// The local APIC timer: counts per CPU (the boot checks and the test VMs
// arm it and look at the count).
void on_timer(InterruptFrame&) {
  PerCpu& me = this_cpu();
  me.timer_fired_tsc = cpu::rdtsc();
  __atomic_fetch_add(&me.timer_fired, 1, __ATOMIC_RELEASE);
  lapic::eoi();
}  // the idle loop looks for work after HLT

void invlpg_call(void* va) { cpu::invlpg(reinterpret_cast<u64>(va)); }

}  // namespace

void init_cross_calls() {
  set_interrupt_handler(lapic::kVectorCall, on_call_ipi);
  set_interrupt_handler(lapic::kVectorSpurious, on_spurious);
  set_interrupt_handler(lapic::kVectorError, on_apic_error);
  set_interrupt_handler(lapic::kVectorWake, on_wake);
  set_interrupt_handler(lapic::kVectorTimer, on_timer);
}

Error run_on_cpus(const CpuSet& targets, CallFn fn, void* arg) {
  LockGuard guard(g_call_lock);
  const u32 me = this_cpu().index;
  u32 others = 0;
  g_call.fn = fn;
  g_call.arg = arg;
  targets.for_each([&](u32 i) { others += i != me && cpu(i) != nullptr; });
  __atomic_store_n(&g_call.remaining, others, __ATOMIC_RELEASE);
  targets.for_each([&](u32 i) {
    PerCpu* c = i == me ? nullptr : cpu(i);
    if (!c) return;
    __atomic_store_n(&c->call_pending, 1, __ATOMIC_RELEASE);
    lapic::send_ipi(c->apic_id, lapic::Delivery::fixed, lapic::kVectorCall);
  });
  if (targets.contains(me)) fn(arg);
  const u64 deadline = cpu::rdtsc() + clock::tsc_hz() * kCallTimeoutUs / 1000000;
  while (__atomic_load_n(&g_call.remaining, __ATOMIC_ACQUIRE) != 0) {
    if (cpu::rdtsc() > deadline)
      return make_error(Status::not_found, "CPUs did not run the cross-call in time",
                        __atomic_load_n(&g_call.remaining, __ATOMIC_ACQUIRE));
    cpu::pause();
  }
  return {};
}

Error start_work(u32 index, CallFn fn, void* arg) {
  PerCpu* c = cpu(index);
  if (!c) return make_error(Status::not_found, "no such CPU online", index);
  if (__atomic_load_n(&c->work_busy, __ATOMIC_ACQUIRE)) return make_error(Status::already_exists, "CPU is busy", index);
  c->work_fn = fn;
  c->work_arg = arg;
  __atomic_store_n(&c->work_busy, 1, __ATOMIC_RELEASE);
  if (index != this_cpu().index) lapic::send_ipi(c->apic_id, lapic::Delivery::fixed, lapic::kVectorWake);
  return {};
}

bool work_done(u32 index) {
  PerCpu* c = cpu(index);
  return !c || !__atomic_load_n(&c->work_busy, __ATOMIC_ACQUIRE);
}

void idle_loop() {
  PerCpu& me = this_cpu();
  for (;;) {
    cpu::disable_interrupts();
    if (__atomic_load_n(&me.work_busy, __ATOMIC_ACQUIRE)) {
      me.work_fn(me.work_arg);
      __atomic_store_n(&me.work_busy, 0, __ATOMIC_RELEASE);
      continue;
    }
    cpu::idle();  // STI; HLT: an IPI between the check and HLT still wakes us
  }
}

Error tlb_shootdown(u64 va) { return run_on_cpus(online_cpus(), invlpg_call, reinterpret_cast<void*>(va)); }

void send_nmi(const CpuSet& targets) {
  targets.for_each([](u32 i) {
    if (PerCpu* c = cpu(i)) lapic::send_ipi(c->apic_id, lapic::Delivery::nmi);
  });
}

}  // namespace nucleo::smp

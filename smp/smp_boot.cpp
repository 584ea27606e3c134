// SPDX-License-Identifier: MIT
#include "kernel/acpi/acpi.hpp"
#include "kernel/arch/cpu.hpp"
#include "kernel/arch/lapic.hpp"
#include "kernel/arch/msr.hpp"
#include "kernel/console/log.hpp"
#include "kernel/lib/mul_div.hpp"
#include "kernel/memory/boot_memory.hpp"
#include "kernel/memory/phys_layout.hpp"
#include "kernel/time/clock.hpp"
#include "smp/cross_call.hpp"
#include "smp/smp.hpp"

extern "C" {
extern const char ap_trampoline_start[], ap_trampoline_end[];
extern const char tramp_gdtr_base[], tramp_jump32[], tramp_jump64[], tramp_prot32[], tramp_long64[], tramp_gdt[];
extern const char tramp_cr3[], tramp_efer[], tramp_next_ticket[], tramp_stacks[], tramp_entry[];
extern nucleo::u64 boot_pml4[512];
[[noreturn]] void ap_entry(nucleo::u32 ticket);
}

namespace nucleo::smp {

namespace {

constexpr u64 kStackSize = 16 * KiB;
// An AP not online this long after its SIPIs is reported and abandoned. Real
// CPUs answer in microseconds; emulators on a loaded host (QEMU TCG runs each
// vCPU as a host thread) can take far longer.
constexpr u64 kAnswerTimeoutUs = 2000000;

constinit PerCpu g_boot_cpu{};
constinit PerCpu* g_cpus[kMaxCpus] = {};  // by index; set before the AP starts
constinit u32 g_cpu_slots = 1;            // CPUs that have a PerCpu (online or not)
constinit u64* g_stack_tops = nullptr;    // by ticket
constinit Stats g_stats;
constinit u32 g_online_count = 1;

u32 apic_id_from_cpuid() {
  // Leaf 0xB EDX: the full x2APIC ID; leaf 1 EBX[31:24] otherwise.
  if (cpu::cpuid(0).eax >= 0xB && cpu::cpuid(0xB).ebx != 0) return cpu::cpuid(0xB).edx;
  return cpu::initial_apic_id();
}

template <typename T>
T* alloc_zeroed(u64 bytes) {
  const Result<u64> phys = frame_allocator().alloc_contiguous(align_up(bytes, kPageSize) / kPageSize);
  if (!phys) return nullptr;
  u8* p = phys_to_virt<u8>(phys.value());
  for (u64 i = 0; i < bytes; ++i) p[i] = 0;
  return reinterpret_cast<T*>(p);
}

template <typename T>
void patch(u8* page, const char* field, T value) {
  *reinterpret_cast<T*>(page + (field - ap_trampoline_start)) = value;
}

// Copies the trampoline to a free page below 1 MiB; returns its address.
Result<u64> place_trampoline(const mb2::BootInfo& info) {
  const u64 size = static_cast<u64>(ap_trampoline_end - ap_trampoline_start);
  const PhysRange avoid[] = {{0, 0x1000}};  // real-mode IVT and BDA
  const Result<u64> page = find_free_range(info, Span<const PhysRange>(avoid), size, 0x1000, 0x100000);
  if (!page) return page;
  const u64 base = page.value();
  u8* p = phys_to_virt<u8>(base);
  for (u64 i = 0; i < size; ++i) p[i] = static_cast<u8>(ap_trampoline_start[i]);
  patch<u32>(p, tramp_gdtr_base, static_cast<u32>(base + static_cast<u64>(tramp_gdt - ap_trampoline_start)));
  patch<u32>(p, tramp_jump32, static_cast<u32>(base + static_cast<u64>(tramp_prot32 - ap_trampoline_start)));
  patch<u32>(p, tramp_jump64, static_cast<u32>(base + static_cast<u64>(tramp_long64 - ap_trampoline_start)));
  patch<u32>(p, tramp_cr3, static_cast<u32>(reinterpret_cast<u64>(&boot_pml4[0])));
  patch<u32>(p, tramp_efer, static_cast<u32>(cpu::rdmsr(msr::kEfer) & 0x900));  // LME | NXE
  patch<u32>(p, tramp_next_ticket, 0);
  patch<u64>(p, tramp_stacks, reinterpret_cast<u64>(g_stack_tops));
  patch<u64>(p, tramp_entry, reinterpret_cast<u64>(&ap_entry));
  return base;
}

bool online(const PerCpu& c) { return __atomic_load_n(&c.state, __ATOMIC_ACQUIRE) == kCpuOnline; }

// true if the CPU was still starting and is now abandoned; false if it won.
bool abandon(PerCpu& c) {
  u32 expected = kCpuStarting;
  return __atomic_compare_exchange_n(&c.state, &expected, kCpuAbandoned, false, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE);
}

bool wait_online(const PerCpu& c, u64 deadline_tsc) {
  while (!online(c)) {
    if (cpu::rdtsc() > deadline_tsc) return false;
    cpu::pause();
  }
  return true;
}

u64 deadline_after_us(u64 us) { return cpu::rdtsc() + clock::tsc_hz() * us / 1000000; }

// SDM Vol. 3A 10.4.4.1: INIT, wait, SIPI, 200 us, SIPI (the second only for
// CPUs that missed the first).
void start_serial(u32 first, u32 count, u8 vector, u64 init_delay_us) {
  for (u32 i = first; i < first + count; ++i) {
    PerCpu& c = *g_cpus[i];
    lapic::send_ipi(c.apic_id, lapic::Delivery::init);
    clock::delay_us(init_delay_us);
    lapic::send_ipi(c.apic_id, lapic::Delivery::startup, vector);
    clock::delay_us(200);
    if (!online(c)) lapic::send_ipi(c.apic_id, lapic::Delivery::startup, vector);
    wait_online(c, deadline_after_us(kAnswerTimeoutUs));
  }
}

void start_parallel(u32 first, u32 count, u8 vector, u64 init_delay_us) {
  for (u32 i = first; i < first + count; ++i) lapic::send_ipi(g_cpus[i]->apic_id, lapic::Delivery::init);
  clock::delay_us(init_delay_us);
  for (u32 i = first; i < first + count; ++i) lapic::send_ipi(g_cpus[i]->apic_id, lapic::Delivery::startup, vector);
  clock::delay_us(200);
  for (u32 i = first; i < first + count; ++i)
    if (!online(*g_cpus[i])) lapic::send_ipi(g_cpus[i]->apic_id, lapic::Delivery::startup, vector);
  const u64 deadline = deadline_after_us(kAnswerTimeoutUs);
  for (u32 i = first; i < first + count; ++i) wait_online(*g_cpus[i], deadline);
}

void announce(const PerCpu& c) {
  log::info("cpu {}: APIC ID {} online at {}.{:03} ms", c.index, c.apic_id, c.online_ns / 1000000,
            (c.online_ns / 1000) % 1000);
}

void bring_cpu_online(PerCpu& c) {
  load_cpu_tables(c.tables);
  load_idt();
  install_percpu(c);
  lapic::init_cpu();
  c.online_ns = clock::ns_since_boot();
}

}  // namespace

PerCpu& boot_cpu() { return g_boot_cpu; }
const Stats& stats() { return g_stats; }
u32 cpu_count() { return g_online_count; }

PerCpu* cpu(u32 index) {
  if (index >= g_cpu_slots || !g_cpus[index] || !online(*g_cpus[index])) return nullptr;
  return g_cpus[index];
}

CpuSet online_cpus() {
  CpuSet set;
  for (u32 i = 0; i < g_cpu_slots; ++i)
    if (g_cpus[i] && online(*g_cpus[i])) set.add(i);
  return set;
}

void init_boot_cpu(const Cmdline& cmdline) {
  PerCpu& bsp = g_boot_cpu;
  bsp.index = 0;
  bsp.apic_id = apic_id_from_cpuid();
  g_cpus[0] = &bsp;
  install_percpu(bsp);
  const acpi::Platform& acpi = acpi::platform();
  Str apic;
  const bool prefer_xapic = cmdline.value("apic", apic) && apic == "xapic";
  if (cmdline.has("apic") && !prefer_xapic && !(apic == "auto"))
    log::warn("smp: apic={} is not auto or xapic; using auto", apic);
  lapic::select_mode(acpi.have_madt ? acpi.madt.lapic_address : 0, prefer_xapic);
  lapic::init_cpu();
  bsp.apic_id = lapic::id();
  bsp.online_ns = clock::ns_since_boot();
  bsp.online_tsc = cpu::rdtsc();
  bsp.state = kCpuOnline;
  log::info("cpu 0: APIC ID {} (boot CPU), local APIC in {} mode", bsp.apic_id, lapic::mode_name());
}

void start_aps(const mb2::BootInfo& info, const Cmdline& cmdline) {
  const acpi::Platform& acpi = acpi::platform();
  Str value;
  g_stats.mode = Bringup::parallel;
  if (cmdline.value("smp", value)) {
    if (value == "serial") g_stats.mode = Bringup::serial;
    else if (value == "off") return log::info("smp: smp=off, staying on the boot CPU");
    else if (!(value == "parallel")) log::warn("smp: smp={} is not parallel, serial or off; using parallel", value);
  }
  u64 init_delay_us = 10000;
  if (cmdline.value("smp.init_delay_us", value) && !parse_u64(value, init_delay_us))
    log::warn("smp: smp.init_delay_us={} is not a number; using 10000", value);

  if (!acpi.have_madt) return log::warn("smp: no usable MADT, running on the boot CPU only");
  const acpi::Madt& madt = acpi.madt;
  u32 hotplug = 0;
  for (usize i = 0; i < madt.cpu_count; ++i) {
    const acpi::MadtCpu& m = madt.cpus[i];
    if (!m.enabled) {
      hotplug += m.online_capable ? 1 : 0;
      continue;
    }
    if (m.apic_id == g_boot_cpu.apic_id) continue;
    if (lapic::mode() == lapic::Mode::xapic && m.apic_id > 0xFE) {
      log::warn("smp: CPU with APIC ID {} needs x2APIC, which this CPU lacks; not started", m.apic_id);
      continue;
    }
    if (g_cpu_slots == kMaxCpus) break;
    PerCpu* c = alloc_zeroed<PerCpu>(sizeof(PerCpu));
    if (!c) return log::error("smp: out of memory for per-CPU data");
    c->index = g_cpu_slots;
    c->apic_id = m.apic_id;
    g_cpus[g_cpu_slots++] = c;
  }
  g_stats.expected = g_cpu_slots;
  log::info("smp: MADT lists {} CPUs: {} enabled, {} disabled and not started ({} marked online-capable){}",
            madt.cpu_count, madt.enabled_cpus(), madt.cpu_count - madt.enabled_cpus(), hotplug,
            madt.cpus_dropped ? "; entries beyond the limit ignored" : "");
  if (g_cpu_slots == 1) return;

  const u32 aps = g_cpu_slots - 1;
  g_stack_tops = alloc_zeroed<u64>(aps * sizeof(u64));
  if (!g_stack_tops) return log::error("smp: out of memory for AP stacks");
  for (u32 t = 0; t < aps; ++t) {
    u8* stack = alloc_zeroed<u8>(kStackSize);
    if (!stack) return log::error("smp: out of memory for AP stacks");
    g_stack_tops[t] = reinterpret_cast<u64>(stack + kStackSize);
  }
  const Result<u64> page = place_trampoline(info);
  if (!page) return log::error("smp: no free page below 1 MiB for the AP trampoline; boot CPU only");
  const u8 vector = static_cast<u8>(page.value() >> 12);

  const u64 t0 = cpu::rdtsc();
  if (g_stats.mode == Bringup::parallel) start_parallel(1, aps, vector, init_delay_us);
  else start_serial(1, aps, vector, init_delay_us);

  u64 last_tsc = t0;
  for (u32 i = 1; i < g_cpu_slots; ++i) {
    PerCpu& c = *g_cpus[i];
    if (!online(c) && abandon(c)) {
      ++g_stats.not_answering;
      log::error("smp: CPU with APIC ID {} did not answer INIT-SIPI-SIPI within {} ms; going on without it",
                 c.apic_id, kAnswerTimeoutUs / 1000);
      continue;
    }
    last_tsc = max(last_tsc, c.online_tsc);
  }
  g_online_count = g_cpu_slots - g_stats.not_answering;
  g_stats.online = g_online_count;
  g_stats.bringup_tsc = last_tsc - t0;
  g_stats.bringup_ns = mul_div(g_stats.bringup_tsc, 1000000000u, clock::tsc_hz());
  log::info("cores online: {}/{} ({} bring-up: {} us, {} TSC ticks from the first INIT to the last AP online)",
            g_online_count, g_stats.expected, g_stats.mode == Bringup::parallel ? "parallel" : "serial",
            g_stats.bringup_ns / 1000, g_stats.bringup_tsc);
}

// An AP, on its ticket's stack, in long mode on the boot page tables.
[[noreturn]] void ap_main(u32 ticket) {
  const u32 apic_id = apic_id_from_cpuid();
  PerCpu* self = nullptr;
  for (u32 i = 1; i < g_cpu_slots && !self; ++i)
    if (g_cpus[i]->apic_id == apic_id) self = g_cpus[i];
  if (!self) cpu::halt_forever();  // not a CPU we started: stay out of the way
  self->stack_top = g_stack_tops[ticket];
  bring_cpu_online(*self);
  self->online_tsc = cpu::rdtsc();
  u32 expected = kCpuStarting;
  if (!__atomic_compare_exchange_n(&self->state, &expected, kCpuOnline, false, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
    cpu::halt_forever();  // too late: the boot CPU has given up on us
  announce(*self);  // from the AP itself: the console lock keeps lines whole
  idle_loop();  // parked in HLT: woken by IPIs only
}

}  // namespace nucleo::smp

extern "C" void ap_entry(nucleo::u32 ticket) { nucleo::smp::ap_main(ticket); }

// SPDX-License-Identifier: MIT
#include "kernel/arch/lapic.hpp"

#include "kernel/arch/cpu.hpp"
#include "kernel/arch/msr.hpp"
#include "kernel/memory/direct_map.hpp"

namespace nucleo::lapic {

namespace {
constinit Mode g_mode = Mode::none;
constinit u64 g_mmio_phys = 0xFEE00000;

volatile u32* mmio(Reg reg) { return phys_to_virt<volatile u32>(g_mmio_phys + reg); }
}  // namespace

void select_mode(u64 mmio_phys, bool prefer_xapic) {
  if (mmio_phys) g_mmio_phys = mmio_phys;
  const bool has_x2apic = (cpu::cpuid(1).ecx & (1u << 21)) != 0;
  const bool firmware_x2apic = (cpu::rdmsr(msr::kApicBase) & msr::kApicBaseX2apic) != 0;
  g_mode = firmware_x2apic || (has_x2apic && !prefer_xapic) ? Mode::x2apic : Mode::xapic;
}

Mode mode() { return g_mode; }
const char* mode_name() { return g_mode == Mode::x2apic ? "x2APIC" : "xAPIC"; }

u32 read(Reg reg) {
  if (g_mode == Mode::x2apic) return static_cast<u32>(cpu::rdmsr(msr::kX2apicFirst + (reg >> 4)));
  return *mmio(reg);
}

void write(Reg reg, u32 value) {
  if (g_mode == Mode::x2apic) cpu::wrmsr(msr::kX2apicFirst + (reg >> 4), value);
  else *mmio(reg) = value;
}

u32 id() { return g_mode == Mode::x2apic ? read(kId) : read(kId) >> 24; }

void eoi() { write(kEoi, 0); }

void arm_oneshot(u8 vector, u32 ticks) {
  write(kTimerDivide, 0xB);     // divide by 1 (SDM Vol. 3A 12.5.4)
  write(kLvtTimer, vector);     // one-shot, unmasked
  write(kTimerInitial, ticks);  // starts the count
}

void init_cpu() {
  // SDM Vol. 3A 12.12.1: x2APIC is entered from xAPIC by setting EXTD with EN.
  u64 base = cpu::rdmsr(msr::kApicBase) | msr::kApicBaseEnable;
  if (g_mode == Mode::x2apic) base |= msr::kApicBaseX2apic;
  cpu::wrmsr(msr::kApicBase, base);

  write(kTpr, 0);
  write(kLvtLint0, 1u << 16);  // masked
  write(kLvtLint1, 1u << 16);
  write(kLvtError, kVectorError);
  write(kEsr, 0);  // writing ESR re-arms it (12.5.3)
  write(kSpurious, 0x100 | kVectorSpurious);  // bit 8: software enable
}

bool send_ipi(u32 apic_id, Delivery delivery, u8 vector, bool level_assert) {
  const u32 low = static_cast<u32>(delivery) | vector | (level_assert ? 1u << 14 : 0u);
  if (g_mode == Mode::x2apic) {
    // One 64-bit write; x2APIC has no delivery-status bit (12.12.9).
    cpu::wrmsr(msr::kX2apicFirst + (kIcrLow >> 4), static_cast<u64>(apic_id) << 32 | low);
    return true;
  }
  // Two writes that must not be split by an interrupt that sends its own IPI.
  const u64 flags = cpu::save_and_disable_interrupts();
  write(kIcrHigh, apic_id << 24);
  write(kIcrLow, low);  // this write sends
  bool accepted = false;
  for (u32 i = 0; i < 1000000 && !accepted; ++i) {
    accepted = (read(kIcrLow) & (1u << 12)) == 0;
    if (!accepted) cpu::pause();
  }
  cpu::restore_interrupts(flags);
  return accepted;
}

}  // namespace nucleo::lapic

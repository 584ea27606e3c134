// SPDX-License-Identifier: MIT
#include "kernel/power/power.hpp"

#include "kernel/arch/cpu.hpp"
#include "kernel/arch/io.hpp"
#include "kernel/console/log.hpp"

namespace nucleo::power {

namespace {

constinit bool g_have_acpi = false;
constinit acpi::Fadt g_fadt;
constinit acpi::SleepType g_s5;

// QEMU fw_cfg (docs/specs/fw_cfg.rst): selector 0x510, data 0x511; key 0 is
// the signature "QEMU". Reading unclaimed ports on other machines is harmless.
bool running_on_qemu() {
  io::out16(0x510, 0);
  const char expected[] = "QEMU";
  for (int i = 0; i < 4; ++i)
    if (io::in8(0x511) != static_cast<u8>(expected[i])) return false;
  return true;
}

void acpi_s5() {
  if (!g_have_acpi || g_fadt.pm1a_cnt == 0 || g_fadt.pm1a_cnt > 0xFFFF) return;
  const auto pm1a = static_cast<u16>(g_fadt.pm1a_cnt);
  constexpr u16 kSciEn = 1, kSlpEn = 1 << 13;
  // ACPI mode first (ACPI 6.5, 4.8.2.5): write ACPI_ENABLE to SMI_CMD and
  // wait (bounded) for SCI_EN.
  if ((io::in16(pm1a) & kSciEn) == 0 && g_fadt.smi_cmd != 0 && g_fadt.smi_cmd <= 0xFFFF && g_fadt.acpi_enable != 0) {
    io::out8(static_cast<u16>(g_fadt.smi_cmd), g_fadt.acpi_enable);
    for (u32 i = 0; i < 1000000 && (io::in16(pm1a) & kSciEn) == 0; ++i) cpu::pause();
  }
  const auto slp = [](u8 type) { return static_cast<u16>(((type & 7u) << 10) | kSlpEn); };
  io::out16(pm1a, static_cast<u16>((io::in16(pm1a) & 0xE3FF) | slp(g_s5.a)));
  if (g_fadt.pm1b_cnt != 0 && g_fadt.pm1b_cnt <= 0xFFFF) {
    const auto pm1b = static_cast<u16>(g_fadt.pm1b_cnt);
    io::out16(pm1b, static_cast<u16>((io::in16(pm1b) & 0xE3FF) | slp(g_s5.b)));
  }
  for (u32 i = 0; i < 1000000; ++i) cpu::pause();  // S5 takes effect asynchronously
}

}  // namespace

void set_acpi(const acpi::Fadt& fadt, const acpi::SleepType& s5) {
  g_fadt = fadt;
  g_s5 = s5;
  g_have_acpi = true;
}

void power_off(u8 code) {
  cpu::disable_interrupts();
  console::flush();  // emulators quit at once: let the result line leave the UART
  if (running_on_qemu()) io::out8(0xF4, code);  // isa-debug-exit: QEMU exits with (code << 1) | 1
  for (char c : Str("Shutdown")) io::out8(0x8900, static_cast<u8>(c));  // Bochs: ends the simulation
  acpi_s5();
  halt_with_message();
}

void halt_with_message() {
  cpu::disable_interrupts();
  console::break_lock();
  log::info("nucleo: this machine cannot be powered off by software; halted. It is safe to switch it off.");
  cpu::halt_forever();
}

}  // namespace nucleo::power

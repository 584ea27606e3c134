// SPDX-License-Identifier: MIT
#include "kernel/time/clock.hpp"

#include "kernel/arch/cpu.hpp"
#include "kernel/arch/io.hpp"
#include "kernel/arch/lapic.hpp"
#include "kernel/time/calibration.hpp"

namespace nucleo::clock {

namespace {

constinit Calibration g_cal;
constinit u64 g_boot_tsc = 0;
constexpr u64 kIntervalUs = 10000;  // 10 ms reference interval

struct Measured {
  u64 tsc_ticks;
  u64 lapic_ticks;
  u64 ref_ticks;
};

// Runs the TSC and the LAPIC timer (divide 1, one-shot, masked) while `wait`
// lets the reference clock advance.
template <typename Wait>
Measured measure(Wait wait) {
  lapic::write(lapic::kTimerDivide, 0xB);  // divide by 1
  lapic::write(lapic::kLvtTimer, 1u << 16 | lapic::kVectorTimer);  // masked
  lapic::write(lapic::kTimerInitial, 0xFFFFFFFF);
  const u64 tsc0 = cpu::rdtsc();
  const u64 ref = wait();
  const u64 tsc1 = cpu::rdtsc();
  const u32 left = lapic::read(lapic::kTimerCurrent);
  lapic::write(lapic::kTimerInitial, 0);
  return Measured{tsc1 - tsc0, 0xFFFFFFFFull - left, ref};
}

u64 wait_pm_timer(u16 port, bool ext32) {
  const u64 target = timecal::kPmTimerHz * kIntervalUs / 1000000;
  const u32 start = io::in32(port);
  u64 elapsed = 0;
  for (u64 spins = 0; elapsed < target && spins < 100000000; ++spins)
    elapsed = timecal::pm_timer_delta(start, io::in32(port), ext32);
  return elapsed;
}

// PIT channel 2 in mode 0, gated through port 0x61 (8254 data sheet; the PC
// wiring of the gate and OUT2 to port 0x61 bits 0 and 5).
u64 wait_pit() {
  const u16 count = static_cast<u16>(timecal::kPitHz * kIntervalUs / 1000000);
  io::out8(0x61, static_cast<u8>((io::in8(0x61) & ~0x02) | 0x01));  // gate on, speaker off
  io::out8(0x43, 0xB0);                                             // ch 2, lobyte/hibyte, mode 0
  io::out8(0x42, static_cast<u8>(count));
  io::out8(0x42, static_cast<u8>(count >> 8));
  for (u64 spins = 0; (io::in8(0x61) & 0x20) == 0 && spins < 100000000; ++spins) cpu::pause();
  return count;
}

}  // namespace

const char* source_name(Source s) {
  switch (s) {
    case Source::cpuid15: return "CPUID leaf 0x15";
    case Source::pm_timer: return "ACPI PM timer";
    case Source::pit: return "PIT";
    case Source::cpuid16: return "CPUID leaf 0x16 (nominal)";
    case Source::none: break;
  }
  return "none";
}

void mark_boot() { g_boot_tsc = cpu::rdtsc(); }

void calibrate(u32 pm_timer_port, bool pm_timer_32bit) {
  Measured m{};
  u64 ref_hz = 0;
  if (pm_timer_port != 0 && pm_timer_port <= 0xFFFF) {
    m = measure([&] { return wait_pm_timer(static_cast<u16>(pm_timer_port), pm_timer_32bit); });
    ref_hz = timecal::kPmTimerHz;
    g_cal.source = Source::pm_timer;
  }
  if (m.ref_ticks == 0) {
    m = measure(wait_pit);
    ref_hz = timecal::kPitHz;
    g_cal.source = Source::pit;
  }
  g_cal.tsc_hz = timecal::frequency(m.tsc_ticks, m.ref_ticks, ref_hz);
  g_cal.lapic_timer_hz = timecal::frequency(m.lapic_ticks, m.ref_ticks, ref_hz);

  // CPUID 0x15 is exact where it is true, so it refines a measurement it
  // agrees with (within 1%); emulators may report a crystal the TSC does not
  // follow (Bochs's tigerlake model: 2419 MHz for a 50 MHz TSC), so a
  // disagreement keeps the measurement and says so.
  const u32 max_leaf = cpu::cpuid(0).eax;
  if (max_leaf >= 0x15) {
    const cpu::CpuidResult l15 = cpu::cpuid(0x15);
    const u64 hz = timecal::tsc_from_cpuid15(l15.eax, l15.ebx, l15.ecx);
    const u64 measured = g_cal.tsc_hz;
    const u64 diff = hz > measured ? hz - measured : measured - hz;
    if (hz && (measured == 0 || diff <= measured / 100)) {
      g_cal.tsc_hz = hz;
      g_cal.source = Source::cpuid15;
    } else if (hz) {
      g_cal.cpuid15_disagreed_hz = hz;
    }
  }
  if (g_cal.tsc_hz == 0 && max_leaf >= 0x16 && (cpu::cpuid(0x16).eax & 0xFFFF) != 0) {
    g_cal.tsc_hz = u64{cpu::cpuid(0x16).eax & 0xFFFF} * 1000000;
    g_cal.source = Source::cpuid16;
  }
  if (g_cal.tsc_hz == 0) {
    g_cal.tsc_hz = 1000000000;  // nothing measured: assume 1 GHz so delays stay finite
    g_cal.source = Source::none;
  }
}

const Calibration& calibration() { return g_cal; }
u64 tsc_hz() { return g_cal.tsc_hz; }

u64 ns_since_boot() {
  const u64 ticks = cpu::rdtsc() - g_boot_tsc;
  return mul_div(ticks, 1000000000u, g_cal.tsc_hz);
}

void delay_us(u64 us) {
  const u64 end = cpu::rdtsc() + mul_div(g_cal.tsc_hz, us, 1000000u);
  while (cpu::rdtsc() < end) cpu::pause();
}

}  // namespace nucleo::clock

// SPDX-License-Identifier: MIT
// The local APIC behind one interface, in x2APIC mode (MSRs) when the CPU
// has it and xAPIC mode (MMIO) otherwise (SDM Vol. 3A chapter 12).
// Register offsets are the xAPIC MMIO offsets; x2APIC uses MSR 0x800 + off/16.
#pragma once

#include "kernel/lib/types.hpp"

namespace nucleo::lapic {

enum Reg : u32 {
  kId = 0x20,
  kVersion = 0x30,
  kTpr = 0x80,
  kEoi = 0xB0,
  kSpurious = 0xF0,
  kEsr = 0x280,
  kIcrLow = 0x300,
  kIcrHigh = 0x310,
  kLvtTimer = 0x320,
  kLvtLint0 = 0x350,
  kLvtLint1 = 0x360,
  kLvtError = 0x370,
  kTimerInitial = 0x380,
  kTimerCurrent = 0x390,
  kTimerDivide = 0x3E0,
};

// Interrupt vectors owned by the kernel.
constexpr u8 kVectorTimer = 0xEC;
constexpr u8 kVectorCall = 0xF0;    // cross-call (run_on_cpus, TLB shootdown)
constexpr u8 kVectorWake = 0xF1;    // work posted for an idle CPU
constexpr u8 kVectorError = 0xFE;
constexpr u8 kVectorSpurious = 0xFF;

// ICR delivery modes (SDM Vol. 3A 12.6.1, Figure 12-12).
enum class Delivery : u32 { fixed = 0 << 8, nmi = 4 << 8, init = 5 << 8, startup = 6 << 8 };

enum class Mode : u8 { none, xapic, x2apic };

// Boot CPU: picks the mode, x2APIC if CPUID.1:ECX[21] says the CPU has it
// (or if firmware already switched to it: leaving x2APIC needs a full APIC
// disable, SDM Vol. 3A 12.12.5), unless prefer_xapic. The xAPIC page is
// reached through the direct map. Then every CPU: init_cpu().
void select_mode(u64 mmio_phys, bool prefer_xapic);
Mode mode();
const char* mode_name();

// Enables this CPU's APIC: spurious vector, LVT error, LINT0/1 masked
// (ExtINT/NMI wiring is the firmware's business until an I/O APIC driver).
void init_cpu();

u32 read(Reg reg);
void write(Reg reg, u32 value);
u32 id();  // full 32-bit x2APIC ID, or the 8-bit xAPIC ID
// One-shot timer interrupt on `vector` after `ticks` at divide-by-1.
void arm_oneshot(u8 vector, u32 ticks);
void eoi();

// Sends an IPI and waits (bounded) until the APIC accepted it. false: the
// delivery-status bit never cleared (xAPIC only).
bool send_ipi(u32 apic_id, Delivery mode, u8 vector = 0, bool level_assert = true);

}  // namespace nucleo::lapic

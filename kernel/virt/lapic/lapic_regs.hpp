// SPDX-License-Identifier: MIT
// The local APIC's architectural encodings, named once: register offsets in
// the 4 KiB xAPIC page (SDM Vol. 3A 11.4.1 Table 11-1), their x2APIC MSR
// numbers (11.12.1.2 Table 11-6: MSR = 0x800 + offset / 16), the bits of
// the LVT entries (11.5.1 Figure 11-8), SVR (11.9), ESR (11.5.3), ICR
// (11.6.1 Figure 11-12), the timer (11.5.4) and IA32_APIC_BASE (11.4.4).
// Vendor-neutral and pure.
#pragma once

#include "kernel/lib/types.hpp"

namespace nucleo::vlapic {

// ---- Offsets in the register page (Table 11-1) ------------------------------
constexpr u32 kId = 0x020;
constexpr u32 kVersion = 0x030;
constexpr u32 kTpr = 0x080;
constexpr u32 kApr = 0x090;  // arbitration priority: not on Pentium 4 and later; reads 0 here
constexpr u32 kPpr = 0x0A0;
constexpr u32 kEoi = 0x0B0;
constexpr u32 kRrd = 0x0C0;  // remote read: not supported since Pentium 4; reads 0
constexpr u32 kLdr = 0x0D0;
constexpr u32 kDfr = 0x0E0;
constexpr u32 kSvr = 0x0F0;
constexpr u32 kIsr = 0x100;  // 8 registers 0x100..0x170: vectors 32*i .. 32*i+31
constexpr u32 kTmr = 0x180;
constexpr u32 kIrr = 0x200;
constexpr u32 kEsr = 0x280;
constexpr u32 kLvtCmci = 0x2F0;  // not implemented (max LVT entry 5): a reserved offset here
constexpr u32 kIcrLow = 0x300;
constexpr u32 kIcrHigh = 0x310;
constexpr u32 kLvtTimer = 0x320;
constexpr u32 kLvtThermal = 0x330;
constexpr u32 kLvtPerf = 0x340;
constexpr u32 kLvtLint0 = 0x350;
constexpr u32 kLvtLint1 = 0x360;
constexpr u32 kLvtError = 0x370;
constexpr u32 kTimerInitial = 0x380;
constexpr u32 kTimerCurrent = 0x390;
constexpr u32 kTimerDivide = 0x3E0;
constexpr u32 kSelfIpi = 0x3F0;  // x2APIC only (MSR 0x83F)
constexpr u32 kLastRegister = 0x3F0;

constexpr bool is_vector_register(u32 offset, u32 base) { return offset >= base && offset < base + 0x80; }

// ---- Version register (11.4.8 Figure 11-7) -----------------------------------
// 0x14 as on Pentium 4 and later integrated APICs; max LVT entry 5 = six
// entries (timer, thermal, perf, LINT0, LINT1, error): no CMCI entry, and
// bit 24 = 0: no EOI-broadcast suppression.
constexpr u32 kVersionValue = 0x14 | (5u << 16);

// ---- LVT (Figure 11-8) ------------------------------------------------------
constexpr u32 kLvtVector = 0xFF;
constexpr u32 kLvtDeliveryMode = 7u << 8;     // thermal, perf, LINT0/1
constexpr u32 kLvtDeliveryStatus = 1u << 12;  // read-only; always idle here
constexpr u32 kLvtPolarity = 1u << 13;        // LINT0/1
constexpr u32 kLvtRemoteIrr = 1u << 14;       // LINT0/1, read-only
constexpr u32 kLvtLevel = 1u << 15;           // LINT0/1 trigger mode
constexpr u32 kLvtMasked = 1u << 16;
constexpr u32 kLvtTimerModeShift = 17;        // bits 18:17
constexpr u32 kLvtTimerMode = 3u << kLvtTimerModeShift;

enum class TimerMode : u8 { one_shot = 0, periodic = 1, tsc_deadline = 2, reserved = 3 };
constexpr TimerMode timer_mode(u32 lvt_timer) { return static_cast<TimerMode>((lvt_timer >> kLvtTimerModeShift) & 3); }

// Bits software may set in each LVT entry; the rest are reserved (read 0;
// in x2APIC mode a WRMSR that sets them raises #GP, 11.12.1.3).
constexpr u32 kLvtTimerWritable = kLvtVector | kLvtMasked | kLvtTimerMode;
constexpr u32 kLvtLintWritable = kLvtVector | kLvtDeliveryMode | kLvtPolarity | kLvtLevel | kLvtMasked;
constexpr u32 kLvtThermalPerfWritable = kLvtVector | kLvtDeliveryMode | kLvtMasked;
constexpr u32 kLvtErrorWritable = kLvtVector | kLvtMasked;

// ---- SVR (11.9 Figure 11-23) ------------------------------------------------
constexpr u32 kSvrVector = 0xFF;
constexpr u32 kSvrEnable = 1u << 8;       // APIC software enable
constexpr u32 kSvrFocusCheck = 1u << 9;   // focus processor checking (no effect here)
constexpr u32 kSvrWritable = kSvrVector | kSvrEnable | kSvrFocusCheck;  // bit 12 needs version bit 24
constexpr u32 kSvrReset = 0xFF;

// ---- ESR (11.5.3 Figure 11-9) -----------------------------------------------
constexpr u32 kEsrSendIllegalVector = 1u << 5;
constexpr u32 kEsrReceiveIllegalVector = 1u << 6;
constexpr u32 kEsrIllegalRegister = 1u << 7;  // xAPIC only

// ---- DFR / LDR (11.6.2.2) ---------------------------------------------------
constexpr u32 kDfrFlat = 0xFFFFFFFF;    // model 1111b; bits 27:0 read as 1s
constexpr u32 kDfrCluster = 0x0FFFFFFF; // model 0000b
constexpr u32 kDfrModelMask = 0xF0000000;
constexpr u32 kLdrXapicMask = 0xFF000000;

// x2APIC logical ID, derived from the x2APIC ID (11.12.10.2): cluster in
// bits 31:16 (ID[19:4]), one bit per member in 15:0 (1 << ID[3:0]).
constexpr u32 x2apic_ldr(u32 id) { return ((id >> 4) << 16) | (1u << (id & 0xF)); }

// ---- Timer (11.5.4) ---------------------------------------------------------
constexpr u32 kTimerDivideWritable = 0xB;  // bits 0, 1 and 3
// Divide configuration -> divisor (Figure 11-10): bits 3,1,0 = 111b is 1,
// otherwise 2^(value + 1).
constexpr u32 timer_divisor(u32 divide_config) {
  const u32 v = ((divide_config >> 1) & 4) | (divide_config & 3);
  return v == 7 ? 1 : 2u << v;
}

// ---- ICR (11.6.1 Figure 11-12; x2APIC: 11.12.9 Figure 11-28) ----------------
enum class DeliveryMode : u8 { fixed = 0, lowest_priority = 1, smi = 2, reserved3 = 3, nmi = 4, init = 5, startup = 6, ext_int = 7 };
enum class Shorthand : u8 { none = 0, self = 1, all_including_self = 2, all_excluding_self = 3 };

// Bits the guest may set in the ICR's low half: vector, delivery mode,
// destination mode, level, trigger mode, shorthand. Delivery status (12)
// is read-only (and reserved in x2APIC mode).
constexpr u32 kIcrLowWritable = 0x000CCFFF;
constexpr u32 kIcrHighXapicWritable = 0xFF000000;

struct IcrValue {
  u64 raw = 0;  // xAPIC: high 32 bits = the register at 0x310; x2APIC: the 64-bit MSR
  constexpr IcrValue() = default;
  constexpr explicit IcrValue(u64 value) : raw(value) {}

  constexpr u8 vector() const { return static_cast<u8>(raw & 0xFF); }
  constexpr DeliveryMode delivery_mode() const { return static_cast<DeliveryMode>((raw >> 8) & 7); }
  constexpr bool logical() const { return (raw >> 11) & 1; }
  constexpr bool level_assert() const { return (raw >> 14) & 1; }
  constexpr bool level_triggered() const { return (raw >> 15) & 1; }
  constexpr Shorthand shorthand() const { return static_cast<Shorthand>((raw >> 18) & 3); }
  constexpr u32 x2apic_destination() const { return static_cast<u32>(raw >> 32); }
  constexpr u8 xapic_destination() const { return static_cast<u8>(raw >> 56); }
  // INIT with level 0 and trigger mode 1: the INIT level de-assert message
  // (only Pentium and P6 used it; ignored since, 11.6.1).
  constexpr bool init_level_deassert() const {
    return delivery_mode() == DeliveryMode::init && !level_assert() && level_triggered();
  }
};
static_assert(sizeof(IcrValue) == 8);
static_assert(IcrValue(0x0300000000004500ull).delivery_mode() == DeliveryMode::init);
static_assert(IcrValue(0x0300000000004500ull).xapic_destination() == 3);
static_assert(IcrValue(0x000C0000).shorthand() == Shorthand::all_excluding_self);
static_assert(IcrValue(0x8500).init_level_deassert() && !IcrValue(0xC500).init_level_deassert());

// ---- MSRs -------------------------------------------------------------------
constexpr u32 kMsrApicBase = 0x1B;
constexpr u32 kMsrTscDeadline = 0x6E0;
constexpr u32 kMsrX2apicFirst = 0x800;
constexpr u32 kMsrX2apicLast = 0x8FF;  // the architectural x2APIC range is 0x800-0xBFF; 0x900+ are reserved
constexpr u32 kMsrX2apicReservedLast = 0xBFF;
constexpr u32 kMsrIcr = 0x830;
constexpr u32 kMsrSelfIpi = 0x83F;
constexpr u32 msr_to_offset(u32 msr) { return (msr - kMsrX2apicFirst) << 4; }
constexpr u32 offset_to_msr(u32 offset) { return kMsrX2apicFirst + (offset >> 4); }
static_assert(msr_to_offset(kMsrIcr) == kIcrLow && offset_to_msr(kTimerDivide) == 0x83E);

// IA32_APIC_BASE (11.4.4 Figure 11-5; 11.12.1 for EXTD).
constexpr u64 kApicBaseBsp = 1u << 8;
constexpr u64 kApicBaseExtd = 1u << 10;   // x2APIC mode
constexpr u64 kApicBaseEnable = 1u << 11;
constexpr u64 kApicBaseAddressMask = ~u64{0xFFF};
constexpr u64 kDefaultApicBase = 0xFEE00000;

}  // namespace nucleo::vlapic

// SPDX-License-Identifier: MIT
// The MSR interface of the virtual local APIC: IA32_APIC_BASE with its mode
// transitions (SDM Vol. 3A 11.4.4, 11.12.5), IA32_TSC_DEADLINE (11.5.4.1)
// and the x2APIC registers 0x800-0x8FF (11.12.1.2 Table 11-6), with the
// x2APIC rules: read-only registers #GP on WRMSR, write-only ones (EOI,
// SELF IPI) on RDMSR, unmapped addresses (APR 0x809, RRD 0x80C, DFR 0x80E,
// 0x831, CMCI 0x82F here) on both, and reserved bits set by WRMSR #GP
// (11.12.1.3). Outside x2APIC mode the whole 0x800-0xBFF range #GPs.
#include "kernel/virt/lapic/virtual_lapic.hpp"

namespace nucleo {

using namespace vlapic;

namespace {

enum class X2Access : u8 { none, read_only, write_only, read_write };

X2Access x2apic_access(u32 offset) {
  if (is_vector_register(offset, kIsr) || is_vector_register(offset, kTmr) || is_vector_register(offset, kIrr))
    return X2Access::read_only;
  if (offset >= kLvtTimer && offset <= kLvtError) return X2Access::read_write;
  switch (offset) {
    case kId: case kVersion: case kPpr: case kLdr: case kTimerCurrent: return X2Access::read_only;
    case kEoi: case kSelfIpi: return X2Access::write_only;
    case kTpr: case kSvr: case kEsr: case kIcrLow: case kTimerInitial: case kTimerDivide:
      return X2Access::read_write;
    default: return X2Access::none;
  }
}

// Bits a WRMSR may set in each writable x2APIC register; the read-only
// status bits of the LVT entries (delivery status, remote IRR) are accepted
// and ignored, as a value read back and written again carries them.
u32 x2apic_writable(u32 offset) {
  switch (offset) {
    case kTpr: return 0xFF;
    case kEoi: case kEsr: return 0;
    case kSvr: return kSvrWritable;
    case kSelfIpi: return 0xFF;
    case kTimerInitial: return 0xFFFFFFFF;
    case kTimerDivide: return kTimerDivideWritable;
    case kLvtTimer: return kLvtTimerWritable | kLvtDeliveryStatus;
    case kLvtLint0: case kLvtLint1: return kLvtLintWritable | kLvtDeliveryStatus | kLvtRemoteIrr;
    case kLvtThermal: case kLvtPerf: return kLvtThermalPerfWritable | kLvtDeliveryStatus;
    case kLvtError: return kLvtErrorWritable | kLvtDeliveryStatus;
    default: return 0;
  }
}

}  // namespace

bool VirtualLapic::handles_msr(u32 msr) {
  return msr == kMsrApicBase || msr == kMsrTscDeadline || (msr >= kMsrX2apicFirst && msr <= kMsrX2apicReservedLast);
}

LapicMsrResult VirtualLapic::rdmsr(u32 msr) {
  if (msr == kMsrApicBase) return LapicMsrResult::ok(apic_base_);
  if (msr == kMsrTscDeadline)  // reads 0 outside TSC-deadline mode (11.5.4.1)
    return LapicMsrResult::ok(timer_mode() == TimerMode::tsc_deadline ? timer_.tsc_deadline() : 0);
  if (mode() != LapicMode::x2apic || msr > kMsrX2apicLast) return LapicMsrResult::fault();
  const u32 offset = msr_to_offset(msr);
  if (offset == kIcrLow) return LapicMsrResult::ok(u64{page_.get(kIcrHigh)} << 32 | page_.get(kIcrLow));
  const X2Access access = x2apic_access(offset);
  if (access != X2Access::read_only && access != X2Access::read_write) return LapicMsrResult::fault();
  return LapicMsrResult::ok(read_register(offset));
}

LapicMsrResult VirtualLapic::wrmsr(u32 msr, u64 value) {
  if (msr == kMsrApicBase) return set_apic_base(value) ? LapicMsrResult::ok() : LapicMsrResult::fault();
  if (msr == kMsrTscDeadline) {
    if (timer_mode() == TimerMode::tsc_deadline) timer_.set_tsc_deadline(value);  // ignored otherwise
    return LapicMsrResult::ok();
  }
  if (mode() != LapicMode::x2apic || msr > kMsrX2apicLast) return LapicMsrResult::fault();
  const u32 offset = msr_to_offset(msr);
  if (offset == kIcrLow) {  // the one 64-bit register: destination in bits 63:32 (11.12.9)
    const auto low = static_cast<u32>(value);
    if (low & ~kIcrLowWritable) return LapicMsrResult::fault();
    page_.set(kIcrHigh, static_cast<u32>(value >> 32));
    page_.set(kIcrLow, low);
    send_ipi(IcrValue(value));
    return LapicMsrResult::ok();
  }
  const X2Access access = x2apic_access(offset);
  if (access != X2Access::write_only && access != X2Access::read_write) return LapicMsrResult::fault();
  if ((value >> 32) != 0 || (value & ~u64{x2apic_writable(offset)}) != 0) return LapicMsrResult::fault();
  write_register(offset, static_cast<u32>(value));
  return LapicMsrResult::ok();
}

// IA32_APIC_BASE: EN (11) and EXTD (10) select the mode; (EN 0, EXTD 1) is
// invalid, and the only ways out of x2APIC mode and into it are x2APIC ->
// disabled and xAPIC -> x2APIC (11.12.5 Figure 11-27). BSP (8) is
// read-only. Disabling resets the APIC to its power-up state, which SDM
// 11.4.3 allows ("may return to the state ... after power-up") and which
// makes re-enabling deterministic.
bool VirtualLapic::set_apic_base(u64 value) {
  const u64 reserved = 0xFF | (u64{1} << 9) | (~u64{0} << config_.phys_addr_bits) |
                       (config_.x2apic ? 0 : kApicBaseExtd);
  if (value & reserved) return false;
  const bool en = value & kApicBaseEnable, extd = value & kApicBaseExtd;
  if (!en && extd) return false;
  const LapicMode to = !en ? LapicMode::disabled : extd ? LapicMode::x2apic : LapicMode::xapic;
  const LapicMode from = mode();
  if (from == LapicMode::x2apic && to == LapicMode::xapic) return false;
  if (from == LapicMode::disabled && to == LapicMode::x2apic) return false;
  apic_base_ = (value & ~kApicBaseBsp) | (apic_base_ & kApicBaseBsp);
  if (to == from) return true;
  if (to == LapicMode::disabled) {
    set_mode(LapicMode::disabled);
    clear_state();
    return true;
  }
  // disabled -> xAPIC (state already at power-up) or xAPIC -> x2APIC: the
  // ID becomes 32 bits and LDR is derived from it (11.12.5.1); the other
  // registers keep their values.
  set_mode(to);
  set_id_registers();
  return true;
}

}  // namespace nucleo

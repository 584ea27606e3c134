// SPDX-License-Identifier: MIT
// The register model: MMIO reads and writes, the interrupt state (IRR,
// ISR, TMR, PPR), EOI, the error register and the timer hooks. The MSR
// interface is in lapic_msr.cpp, IPIs in lapic_ipi.cpp.
#include "kernel/virt/lapic/virtual_lapic.hpp"

namespace nucleo {

using namespace vlapic;

const char* ipi_kind_name(IpiKind kind) {
  switch (kind) {
    case IpiKind::fixed: return "fixed";
    case IpiKind::nmi: return "NMI";
    case IpiKind::init: return "INIT";
    case IpiKind::sipi: return "SIPI";
  }
  return "?";
}

namespace {

constexpr u32 kLvtOffsets[] = {kLvtTimer, kLvtThermal, kLvtPerf, kLvtLint0, kLvtLint1, kLvtError};

// Offsets that hold a register in xAPIC mode (Table 11-1). CMCI (0x2F0) is
// absent: the version register says six LVT entries.
bool is_xapic_register(u32 offset) {
  if (offset & 0xF) return false;
  if (is_vector_register(offset, kIsr) || is_vector_register(offset, kTmr) || is_vector_register(offset, kIrr))
    return true;
  if (offset >= kLvtTimer && offset <= kLvtError) return true;
  switch (offset) {
    case kId: case kVersion: case kTpr: case kApr: case kPpr: case kEoi: case kRrd: case kLdr: case kDfr:
    case kSvr: case kEsr: case kIcrLow: case kIcrHigh: case kTimerInitial: case kTimerCurrent: case kTimerDivide:
      return true;
    default:
      return false;
  }
}

}  // namespace

VirtualLapic::VirtualLapic(LapicPage& page, const GuestClock& clock, const LapicConfig& config)
    : page_(page), clock_(clock), config_(config), timer_(config.timer_hz) {
  reset();
}

void VirtualLapic::connect(Span<VirtualLapic* const> vm_lapics, IpiSink* sink) {
  peers_ = vm_lapics;
  sink_ = sink;
}

void VirtualLapic::reset() {
  set_mode(LapicMode::xapic);
  apic_base_ = kDefaultApicBase | kApicBaseEnable | (config_.id == 0 ? kApicBaseBsp : 0);
  __atomic_store_n(&nmi_pending_, 0u, __ATOMIC_RELAXED);
  __atomic_store_n(&init_pending_, 0u, __ATOMIC_RELAXED);
  __atomic_store_n(&sipi_pending_, 0u, __ATOMIC_RELAXED);
  clear_state();
}

// INIT keeps the mode, the base and the ID (11.4.7.3; x2APIC: 11.12.5.1),
// and the pending INIT/SIPI flags: the SIPI that follows an INIT may
// already have arrived.
void VirtualLapic::init_reset() { clear_state(); }

void VirtualLapic::enter_virtual_wire_mode() {
  constexpr u32 kExtInt = 7u << 8, kNmi = 4u << 8;  // delivery modes (11.5.1)
  page_.set(kLvtLint0, kExtInt);
  page_.set(kLvtLint1, kNmi);
}

void VirtualLapic::clear_state() {
  page_.clear();
  for (u32 i = 0; i < 8; ++i) {
    __atomic_store_n(&incoming_irr_[i], 0u, __ATOMIC_RELAXED);
    __atomic_store_n(&incoming_tmr_[i], 0u, __ATOMIC_RELAXED);
  }
  __atomic_store_n(&incoming_any_, 0u, __ATOMIC_RELAXED);
  __atomic_store_n(&esr_pending_, 0u, __ATOMIC_RELAXED);
  set_id_registers();
  page_.set(kVersion, kVersionValue);
  page_.set(kDfr, kDfrFlat);
  page_.set(kSvr, kSvrReset);
  for (u32 lvt : kLvtOffsets) page_.set(lvt, kLvtMasked);
  timer_.reset();
}

// xAPIC: the 8-bit ID in bits 31:24, LDR writable. x2APIC: the 32-bit ID,
// LDR derived from it and read-only (11.12.10.2).
void VirtualLapic::set_id_registers() {
  if (mode() == LapicMode::x2apic) {
    page_.set(kId, config_.id);
    page_.set(kLdr, x2apic_ldr(config_.id));
  } else {
    page_.set(kId, config_.id << 24);
  }
}

// ---- MMIO --------------------------------------------------------------------

u32 VirtualLapic::read(u32 offset) {
  // In x2APIC mode and when globally disabled the MMIO page is not decoded
  // (11.12.2): reads see nothing, writes go nowhere.
  if (mode() != LapicMode::xapic) return 0;
  offset &= 0xFFF;
  if (offset & 0xF) return 0;  // inside a register's 16-byte slot, past its u32: no register
  return read_register(offset);
}

void VirtualLapic::write(u32 offset, u32 value) {
  if (mode() != LapicMode::xapic) return;
  offset &= 0xFFF;
  if (offset & 0xF) return;
  write_register(offset, value);
}

u32 VirtualLapic::read_register(u32 offset) {
  if (!is_xapic_register(offset)) {
    record_error(kEsrIllegalRegister);
    return 0;
  }
  if (offset == kTimerCurrent) return timer_.current_count(clock_.tsc(), timer_mode());
  sync_incoming();  // IRR and TMR as of now
  if (offset == kPpr) update_ppr();
  return page_.get(offset);
}

void VirtualLapic::write_register(u32 offset, u32 value) {
  if (offset >= kLvtTimer && offset <= kLvtError) {
    write_lvt(offset, value);
    return;
  }
  switch (offset) {
    case kId:  // read-only here: IDs are the vCPU indices IPIs are routed by
    case kLdr:
      if (mode() == LapicMode::x2apic || offset == kId) {
        set_id_registers();  // also undoes what the processor stored before an APIC-write exit
      } else {
        page_.set(kLdr, value & kLdrXapicMask);
      }
      return;
    case kVersion: page_.set(kVersion, kVersionValue); return;
    case kTpr: set_tpr(static_cast<u8>(value)); return;
    case kEoi: eoi(); return;
    case kDfr: page_.set(kDfr, (value & kDfrModelMask) | ~kDfrModelMask); return;
    case kSvr: write_svr(value); return;
    case kEsr: latch_esr(); return;
    case kIcrLow: {
      const u32 low = value & kIcrLowWritable;  // delivery status reads idle: delivery is immediate
      page_.set(kIcrLow, low);
      send_ipi(IcrValue(u64{page_.get(kIcrHigh)} << 32 | low));
      return;
    }
    case kIcrHigh: page_.set(kIcrHigh, mode() == LapicMode::x2apic ? value : value & kIcrHighXapicWritable); return;
    case kTimerInitial: write_timer_initial(value); return;
    case kTimerDivide: write_timer_divide(value); return;
    case kSelfIpi:
      if (mode() == LapicMode::x2apic) {
        page_.set(kSelfIpi, 0);
        self_ipi(static_cast<u8>(value));
        return;
      }
      break;
    case kPpr: update_ppr(); return;
    default: break;
  }
  if (!is_xapic_register(offset)) {
    page_.set(offset, 0);
    record_error(kEsrIllegalRegister);
  }
  // Other read-only registers (APR, RRD, ISR, TMR, IRR, current count):
  // writes are ignored.
}

bool VirtualLapic::after_write(u32 offset) {
  offset &= 0xFFF;
  // The offsets whose writes APIC-register virtualization turns into
  // APIC-write exits (SDM Vol. 3C 30.4.3.1, 30.4.3.3; 30.5 for SELF IPI).
  const bool lvt = offset >= kLvtTimer && offset <= kLvtError && (offset & 0xF) == 0;
  switch (offset) {
    case kId: case kTpr: case kEoi: case kLdr: case kDfr: case kSvr: case kEsr: case kIcrLow: case kIcrHigh:
    case kLvtCmci: case kTimerInitial: case kTimerDivide: case kSelfIpi:
      break;
    default:
      if (!lvt) return false;
  }
  write_register(offset, page_.get(offset));
  return true;
}

// ---- Registers with side effects --------------------------------------------

void VirtualLapic::write_svr(u32 value) {
  const u32 svr = value & kSvrWritable;
  page_.set(kSvr, svr);
  // Software disable masks every LVT entry (11.4.7.2).
  if (!(svr & kSvrEnable))
    for (u32 lvt : kLvtOffsets) page_.set(lvt, page_.get(lvt) | kLvtMasked);
}

void VirtualLapic::write_lvt(u32 offset, u32 value) {
  u32 writable;
  switch (offset) {
    case kLvtTimer: writable = kLvtTimerWritable; break;
    case kLvtLint0:
    case kLvtLint1: writable = kLvtLintWritable; break;
    case kLvtError: writable = kLvtErrorWritable; break;
    case kLvtThermal:
    case kLvtPerf: writable = kLvtThermalPerfWritable; break;
    default: return;  // 0x3x8-style offsets never get here (16-byte aligned)
  }
  u32 lvt = value & writable;
  if (!software_enabled()) lvt |= kLvtMasked;  // masks cannot be cleared while disabled (11.4.7.2)
  if (offset == kLvtTimer) {
    // Moving into or out of TSC-deadline mode disarms the timer (11.5.4.1).
    const bool was_deadline = timer_mode() == TimerMode::tsc_deadline;
    const bool is_deadline = vlapic::timer_mode(lvt) == TimerMode::tsc_deadline;
    if (was_deadline != is_deadline) {
      timer_.stop();
      timer_.set_tsc_deadline(0);
    }
  }
  page_.set(offset, lvt);
}

void VirtualLapic::write_timer_initial(u32 value) {
  if (timer_mode() == TimerMode::tsc_deadline) return;  // ignored in TSC-deadline mode (11.5.4.1)
  page_.set(kTimerInitial, value);
  timer_.start(clock_.tsc(), clock_.tsc_hz(), value, timer_divisor(page_.get(kTimerDivide)));
}

void VirtualLapic::write_timer_divide(u32 value) {
  const u32 divide = value & kTimerDivideWritable;
  page_.set(kTimerDivide, divide);
  timer_.set_divisor(clock_.tsc(), clock_.tsc_hz(), timer_mode(), timer_divisor(divide));
}

void VirtualLapic::set_tpr(u8 value) {
  page_.set(kTpr, value);
  update_ppr();
}

// PPR (11.8.3.1): TPR if its class is at least that of the highest
// in-service vector, otherwise that vector's class.
void VirtualLapic::update_ppr() {
  const u32 tpr = page_.get(kTpr) & 0xFF;
  const i32 isr = page_.highest(kIsr);
  const u32 isrv = isr < 0 ? 0 : static_cast<u32>(isr);
  page_.set(kPpr, (tpr >> 4) >= (isrv >> 4) ? tpr : (isrv & 0xF0));
}

// Errors collect until the guest writes ESR (11.5.3); each also raises the
// error LVT entry when it is unmasked.
void VirtualLapic::record_error(u32 bits) {
  __atomic_fetch_or(&esr_pending_, bits, __ATOMIC_RELAXED);
  const u32 lvt = page_.get(kLvtError);
  const u8 vector = static_cast<u8>(lvt & kLvtVector);
  if (!(lvt & kLvtMasked) && vector >= 16) accept(vector, IpiKind::fixed);
}

void VirtualLapic::latch_esr() { page_.set(kEsr, __atomic_exchange_n(&esr_pending_, 0u, __ATOMIC_RELAXED)); }

// ---- Receiving ----------------------------------------------------------------

bool VirtualLapic::accept(u8 vector, IpiKind kind, bool level) {
  const LapicMode m = mode();
  if (m == LapicMode::disabled) return false;  // globally disabled: nothing is delivered
  switch (kind) {
    case IpiKind::nmi: __atomic_store_n(&nmi_pending_, 1u, __ATOMIC_RELEASE); attention.raise(); return true;
    case IpiKind::init: __atomic_store_n(&init_pending_, 1u, __ATOMIC_RELEASE); attention.raise(); return true;
    case IpiKind::sipi:
      __atomic_store_n(&sipi_pending_, 0x100u | vector, __ATOMIC_RELEASE);
      attention.raise();
      return true;
    case IpiKind::fixed: break;
  }
  if (!software_enabled()) return false;  // only INIT, NMI, SMI and SIPI get through (11.4.7.2)
  if (vector < 16) {
    record_error(kEsrReceiveIllegalVector);
    attention.raise();
    return true;
  }
  const u32 word = vector >> 5, bit = 1u << (vector & 31);
  // The trigger mode first, so the owner sees it whenever it sees the bit.
  if (level) __atomic_fetch_or(&incoming_tmr_[word], bit, __ATOMIC_RELEASE);
  __atomic_fetch_or(&incoming_irr_[word], bit, __ATOMIC_RELEASE);
  attention.raise();  // after the bit: the owner that takes the flag then sees it
  // Both are locked read-modify-writes: whoever finds incoming_any_ set
  // knows the owner has not yet taken it (sync_incoming exchanges it for 0
  // before it reads the bitmap), so it will see this bit without a kick.
  return __atomic_exchange_n(&incoming_any_, 1u, __ATOMIC_ACQ_REL) == 0;
}

bool VirtualLapic::take_nmi() { return __atomic_exchange_n(&nmi_pending_, 0u, __ATOMIC_ACQUIRE) != 0; }
bool VirtualLapic::take_init() { return __atomic_exchange_n(&init_pending_, 0u, __ATOMIC_ACQUIRE) != 0; }
bool VirtualLapic::take_sipi(u8& vector) {
  const u32 v = __atomic_exchange_n(&sipi_pending_, 0u, __ATOMIC_ACQUIRE);
  vector = static_cast<u8>(v);
  return v != 0;
}

void VirtualLapic::sync_incoming() {
  // The common case, nothing arrived, costs one plain load.
  if (__atomic_load_n(&incoming_any_, __ATOMIC_RELAXED) == 0) return;
  if (__atomic_exchange_n(&incoming_any_, 0u, __ATOMIC_ACQ_REL) == 0) return;
  for (u32 i = 0; i < 8; ++i) {
    const u32 bits = __atomic_exchange_n(&incoming_irr_[i], 0u, __ATOMIC_ACQUIRE);
    if (bits == 0) continue;
    const u32 level = __atomic_load_n(&incoming_tmr_[i], __ATOMIC_ACQUIRE) & bits;
    if (level) __atomic_fetch_and(&incoming_tmr_[i], ~level, __ATOMIC_RELAXED);
    const u32 offset = i * 16;
    // TMR records each accepted vector's trigger mode (11.8.4).
    page_.set(kTmr + offset, (page_.get(kTmr + offset) & ~bits) | level);
    page_.or_bits(kIrr + offset, bits);
  }
}

// ---- Delivering to the vCPU ----------------------------------------------------

i32 VirtualLapic::pending_vector() {
  sync_incoming();
  if (mode() == LapicMode::disabled) return -1;
  const i32 v = page_.highest(kIrr);
  if (v < 0) return -1;
  update_ppr();  // TPR may have changed behind the model (TPR shadow, CR8)
  return (static_cast<u32>(v) >> 4) > (ppr() >> 4) ? v : -1;
}

void VirtualLapic::acknowledge(u8 vector) {
  sync_incoming();
  page_.clear_bit(kIrr, vector);
  page_.set_bit(kIsr, vector);
  update_ppr();
}

void VirtualLapic::eoi() {
  sync_incoming();
  const i32 v = page_.highest(kIsr);
  if (v < 0) return;  // an EOI with nothing in service changes nothing
  page_.clear_bit(kIsr, static_cast<u8>(v));
  update_ppr();
  if (page_.test(kTmr, static_cast<u8>(v))) level_eoi(static_cast<u8>(v));
}

void VirtualLapic::after_virtual_eoi(u8 vector) {
  sync_incoming();
  if (page_.test(kTmr, vector)) level_eoi(vector);
}

void VirtualLapic::level_eoi(u8 vector) {
  ++stats_.level_eois;
  if (eoi_listener_) eoi_listener_->level_eoi(vector);
}

u16 VirtualLapic::guest_interrupt_status() {
  sync_incoming();
  const i32 rvi = page_.highest(kIrr), svi = page_.highest(kIsr);
  return static_cast<u16>((svi < 0 ? 0 : svi) << 8 | (rvi < 0 ? 0 : rvi));
}

void VirtualLapic::eoi_exit_bitmap(u64 (&bitmap)[4]) {
  sync_incoming();
  for (u32 i = 0; i < 4; ++i)
    bitmap[i] = u64{page_.get(kTmr + 32 * i)} | u64{page_.get(kTmr + 32 * i + 16)} << 32;
}

// ---- Timer ---------------------------------------------------------------------

u64 VirtualLapic::timer_deadline_tsc() const { return timer_.next_expiry(timer_mode()); }

void VirtualLapic::poll(u64 now) {
  if (!timer_.expire(now, timer_mode())) return;
  ++stats_.timer_fired;
  const u32 lvt = page_.get(kLvtTimer);
  if (!(lvt & kLvtMasked)) accept(static_cast<u8>(lvt & kLvtVector), IpiKind::fixed);
}

}  // namespace nucleo

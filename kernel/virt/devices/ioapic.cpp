// SPDX-License-Identifier: MIT
// Register behaviour follows the Intel 82093AA I/O APIC data sheet (order
// 290566), 3.0 "Register description"; delivery and destinations follow
// SDM Vol. 3A 11.6.2 (physical and logical destination) as the local APIC
// model already does for IPIs.
#include "kernel/virt/devices/ioapic.hpp"

namespace nucleo {

namespace {

constexpr u32 kIdMask = 0x0F000000;  // ID register bits 27:24
// The bits of the low dword software can write: vector, delivery mode,
// destination mode, polarity, trigger mode, mask (12 and 14 are read-only).
constexpr u32 kWritableLow = 0xFF | 7u << 8 | IoApic::kDestLogical | IoApic::kPolarityLow | IoApic::kLevel |
                             IoApic::kMasked;
constexpr u32 kWritableHigh = 0xFF000000;  // destination, bits 63:56

u32 delivery_mode(u64 entry) { return static_cast<u32>(entry >> 8) & 7; }

}  // namespace

void IoApic::connect(Span<VirtualLapic* const> lapics, VcpuKicker* kicker) {
  LockGuard guard(lock_);
  lapics_ = lapics;
  kicker_ = kicker;
}

void IoApic::reset() {
  LockGuard guard(lock_);
  select_ = 0;
  id_ = 0;
  asserted_ = 0;
  for (u64& e : table_) e = kMasked;
  stats_ = IoApicStats{};
}

u32 IoApic::read(u32 offset) {
  LockGuard guard(lock_);
  if (offset == kRegSelect) return select_;
  if (offset == kWindow) return read_register(select_);
  return 0;
}

void IoApic::write(u32 offset, u32 value) {
  LockGuard guard(lock_);
  if (offset == kRegSelect) select_ = value & 0xFF;  // IOREGSEL bits 7:0; 31:8 reserved
  else if (offset == kWindow) write_register(select_, value);
}

u32 IoApic::read_register(u32 index) const {
  switch (index) {
    case kRegId: return id_;
    case kRegVersion: return (kPins - 1) << 16 | kVersion;  // maximum redirection entry, version
    case kRegArbitration: return id_;  // the arbitration ID is loaded from the ID (data sheet 3.2.3)
    default: break;
  }
  if (index < kRegTable || index >= kRegTable + 2 * kPins) return 0;  // reserved
  const u64 e = table_[(index - kRegTable) / 2];
  return static_cast<u32>(index % 2 == 0 ? e : e >> 32);
}

void IoApic::write_register(u32 index, u32 value) {
  if (index == kRegId) {
    id_ = value & kIdMask;
    return;
  }
  if (index < kRegTable || index >= kRegTable + 2 * kPins) return;  // version, arbitration, reserved: read-only
  const u32 pin = (index - kRegTable) / 2;
  u64& e = table_[pin];
  if (index % 2 == 1) {
    e = (e & 0xFFFFFFFF) | u64{value & kWritableHigh} << 32;
    return;
  }
  u64 low = (e & ~u64{kWritableLow}) | (value & kWritableLow);
  // Remote IRR means nothing for an edge entry (data sheet: "undefined for
  // edge triggered"); clearing it keeps a later switch to level clean.
  if (!(low & kLevel)) low &= ~u64{kRemoteIrr};
  e = (e & ~u64{0xFFFFFFFF}) | (low & 0xFFFFFFFF);
  // An unmasked level entry whose pin is asserted sends now (the line is
  // still high); an edge that came while masked is gone.
  if (e & kLevel) service(pin);
}

void IoApic::set_irq(u32 pin, bool level) {
  if (pin >= kPins) return;
  LockGuard guard(lock_);
  const u32 bit = 1u << pin;
  const bool was = (asserted_ & bit) != 0;
  asserted_ = level ? asserted_ | bit : asserted_ & ~bit;
  const u64 e = table_[pin];
  if (e & kLevel) {
    if (level) service(pin);
    return;
  }
  if (!level || was) return;  // edge entries send on the rising edge only
  if (e & kMasked) {
    ++stats_.masked_edges;
    return;
  }
  (void)deliver(e);
}

void IoApic::level_eoi(u8 vector) {
  LockGuard guard(lock_);
  // Every level entry with this vector and Remote IRR set (the EOI message
  // carries only the vector); one whose pin is still asserted sends again.
  for (u32 pin = 0; pin < kPins; ++pin) {
    u64& e = table_[pin];
    if (!(e & kLevel) || !(e & kRemoteIrr) || (e & kVectorMask) != vector) continue;
    e &= ~u64{kRemoteIrr};
    ++stats_.eois;
    service(pin);
  }
}

void IoApic::service(u32 pin) {
  u64& e = table_[pin];
  if ((e & kMasked) || !(asserted_ & (1u << pin))) return;
  if (!(e & kLevel)) {
    (void)deliver(e);
    return;
  }
  if (e & kRemoteIrr) return;  // the last message is not EOId yet
  // Remote IRR is set when the local APIC accepts the message; a message
  // no APIC takes leaves it clear (nothing would ever EOI it).
  if (deliver(e)) e |= kRemoteIrr;
}

bool IoApic::deliver(u64 e) {
  IpiKind kind = IpiKind::fixed;
  bool lowest = false;
  switch (delivery_mode(e)) {
    case 0: break;                        // fixed
    case 1: lowest = true; break;         // lowest priority: one target, as the LAPIC's IPIs resolve it
    case 4: kind = IpiKind::nmi; break;
    case 5: kind = IpiKind::init; break;
    default: ++stats_.refused; return false;  // SMI (2), ExtINT (7), reserved (3, 6)
  }
  const u8 vector = static_cast<u8>(e & kVectorMask);
  const bool level = (e & kLevel) && kind == IpiKind::fixed;
  const u8 dest = static_cast<u8>(e >> 56);
  const bool logical = (e & kDestLogical) != 0;
  bool any = false;
  for (u32 i = 0; i < lapics_.size(); ++i) {
    VirtualLapic* l = lapics_[i];
    if (!l) continue;
    const bool match = logical ? l->matches_logical(dest) : (dest == 0xFF || l->id() == dest);
    if (!match) continue;
    any = true;
    if (l->accept(vector, kind, level) && kicker_) kicker_->kick(i, kind);
    if (lowest) break;
  }
  if (any) ++stats_.delivered;
  else ++stats_.no_target;
  return any;
}

}  // namespace nucleo

// SPDX-License-Identifier: MIT
// Sending IPIs (SDM Vol. 3A 11.6): an ICR value decoded into its targets
// among the VM's vCPUs. Physical destinations are APIC IDs = vCPU indices;
// logical ones are matched against each vCPU's LDR (and DFR in xAPIC mode);
// shorthands and the broadcast ID (0xFF, x2APIC 0xFFFFFFFF) reach every
// vCPU of the VM and nothing else. Lowest priority goes to the
// lowest-numbered match (11.6.2.4 leaves the choice to the model; a fixed
// choice keeps runs reproducible). SMI and ExtINT IPIs are refused: nucleo
// has no SMM for guests, and ExtINT belongs to an 8259 on LINT0.
#include "kernel/virt/lapic/virtual_lapic.hpp"

namespace nucleo {

using namespace vlapic;

void VirtualLapic::deliver_to(u32 target, IpiKind kind, u8 vector) {
  if (target == config_.id) {
    accept(vector, kind);
    ++stats_.ipis_sent;
  } else if (sink_ != nullptr && target < config_.vcpu_count) {
    sink_->deliver(target, kind, vector);
    ++stats_.ipis_sent;
  } else {
    ++stats_.ipis_dropped;
  }
}

void VirtualLapic::self_ipi(u8 vector) {
  // SELF IPI (11.12.11): a fixed, edge-triggered IPI to this vCPU.
  send_ipi(IcrValue(u64{vector} | u64{static_cast<u32>(Shorthand::self)} << 18));
}

bool VirtualLapic::matches_logical(u32 destination) const {
  const u32 ldr = page_.get(kLdr);
  switch (mode()) {
    case LapicMode::x2apic:  // cluster in 31:16, member bits in 15:0
      return (destination >> 16) == (ldr >> 16) && (destination & ldr & 0xFFFF) != 0;
    case LapicMode::xapic: {
      const u32 logical_id = ldr >> 24, dest = destination & 0xFF;
      const u32 model = page_.get(kDfr) >> 28;
      if (model == 0xF) return (logical_id & dest) != 0;  // flat: one bit per APIC
      if (model == 0x0)  // cluster: cluster number in 7:4, member bits in 3:0
        return (dest >> 4) == (logical_id >> 4) && (dest & logical_id & 0xF) != 0;
      return false;  // a reserved model matches nothing
    }
    case LapicMode::disabled: break;
  }
  return false;
}

void VirtualLapic::send_ipi(IcrValue icr) {
  if (icr.init_level_deassert()) return;  // a no-op since the Pentium 4 (11.6.1)
  IpiKind kind;
  switch (icr.delivery_mode()) {
    case DeliveryMode::fixed:
    case DeliveryMode::lowest_priority:
      if (icr.vector() < 16) {  // 11.5.3: "send illegal vector"; nothing is sent
        ++stats_.ipis_illegal_vector;
        record_error(kEsrSendIllegalVector);
        return;
      }
      kind = IpiKind::fixed;
      break;
    case DeliveryMode::nmi: kind = IpiKind::nmi; break;
    case DeliveryMode::init: kind = IpiKind::init; break;
    case DeliveryMode::startup: kind = IpiKind::sipi; break;
    default:
      ++stats_.ipis_refused;
      stats_.last_refused = icr.delivery_mode();
      return;
  }
  const u8 vector = icr.vector();
  const bool one = icr.delivery_mode() == DeliveryMode::lowest_priority;
  const u32 count = config_.vcpu_count;
  const bool x2 = mode() == LapicMode::x2apic;
  const u32 destination = x2 ? icr.x2apic_destination() : icr.xapic_destination();
  const u32 broadcast = x2 ? 0xFFFFFFFF : 0xFF;

  Shorthand shorthand = icr.shorthand();
  // The broadcast ID: physical 0xFF (xAPIC) or 0xFFFFFFFF (x2APIC, either
  // mode, SDM Vol. 3A 11.12.9). An xAPIC logical 0xFF is no broadcast: it
  // reaches the APICs whose logical ID shares a bit with it (11.6.2.2), so
  // not one whose LDR is still 0.
  if (shorthand == Shorthand::none && destination == broadcast && (x2 || !icr.logical()))
    shorthand = Shorthand::all_including_self;
  switch (shorthand) {
    case Shorthand::self:
      deliver_to(config_.id, kind, vector);
      return;
    case Shorthand::all_including_self:
    case Shorthand::all_excluding_self:
      for (u32 t = 0; t < count; ++t) {
        if (t == config_.id && shorthand == Shorthand::all_excluding_self) continue;
        deliver_to(t, kind, vector);
        if (one) return;
      }
      return;
    case Shorthand::none: break;
  }
  if (!icr.logical()) {
    if (destination >= count) {  // no such vCPU in this VM: the IPI goes nowhere
      ++stats_.ipis_dropped;
      return;
    }
    deliver_to(destination, kind, vector);
    return;
  }
  const u32 known = count < peers_.size() ? count : static_cast<u32>(peers_.size());
  bool any = false;
  for (u32 t = 0; t < known; ++t) {
    const VirtualLapic* peer = peers_[t];
    if (peer == nullptr || !peer->matches_logical(destination)) continue;
    any = true;
    deliver_to(t, kind, vector);
    if (one) return;
  }
  if (!any) ++stats_.ipis_dropped;
}

}  // namespace nucleo

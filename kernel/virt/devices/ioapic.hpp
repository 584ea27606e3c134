// SPDX-License-Identifier: MIT
// The I/O APIC of the virtual PC (Intel 82093AA data sheet, order 290566;
// SDM Vol. 3A 11.1 for how its messages reach the local APICs): 24 input
// pins (GSIs 0-23), each with a 64-bit redirection entry that says which
// vector goes to which local APIC(s), edge or level, masked or not. Memory
// mapped at 0xFEC00000 through two registers: IOREGSEL (offset 0x00, the
// index) and IOWIN (offset 0x10, the indexed 32-bit register).
//
// It is an IrqLines: the virtual PC drives its pins beside the 8259 pair
// (ISA IRQ n on pin n, IRQ 0 on pin 2, as the MADT's override says). It
// delivers into the VM's VirtualLapics with accept() and hears their EOIs
// of level-triggered vectors (EoiListener) to clear Remote IRR. Pure; any
// core may call it (its own lock; taken inside the I/O-bus lock when a
// device drives a pin, never the other way round). docs/devices.md.
#pragma once

#include "kernel/arch/spinlock.hpp"
#include "kernel/lib/span.hpp"
#include "kernel/virt/irq_line.hpp"
#include "kernel/virt/lapic/virtual_lapic.hpp"

namespace nucleo {

// Makes a vCPU look at what its local APIC accepted (a host IPI to its
// core, as IpiSink's integrator does): called after an accept() that says so.
class VcpuKicker {
 public:
  virtual void kick(u32 vcpu, IpiKind kind) = 0;

 protected:
  ~VcpuKicker() = default;
};

struct IoApicStats {
  u64 delivered = 0;      // messages accepted by at least one local APIC
  u64 no_target = 0;      // no local APIC matched the destination
  u64 refused = 0;        // SMI, ExtINT and reserved delivery modes: not delivered
  u64 masked_edges = 0;   // rising edges on masked pins (lost, as on the chip)
  u64 eois = 0;           // Remote IRR bits cleared by an EOI
};

class IoApic final : public IrqLines, public EoiListener {
 public:
  static constexpr u64 kBase = 0xFEC00000;  // the PC default (MADT I/O APIC entry)
  static constexpr u64 kSize = 0x1000;
  static constexpr u32 kPins = 24;
  static constexpr u32 kVersion = 0x11;      // 82093AA
  static constexpr u32 kRegSelect = 0x00, kWindow = 0x10;  // MMIO offsets
  static constexpr u32 kRegId = 0x00, kRegVersion = 0x01, kRegArbitration = 0x02, kRegTable = 0x10;
  // Redirection entry, low dword (data sheet 3.2.4).
  static constexpr u32 kVectorMask = 0xFF, kDestLogical = 1u << 11, kDeliveryStatus = 1u << 12,
                       kPolarityLow = 1u << 13, kRemoteIrr = 1u << 14, kLevel = 1u << 15, kMasked = 1u << 16;

  IoApic() { reset(); }
  IoApic(const IoApic&) = delete;

  // The VM's local APICs by vCPU index (nullptr: not created) and who kicks
  // their cores. Without them (host tests of registers) nothing is delivered.
  void connect(Span<VirtualLapic* const> lapics, VcpuKicker* kicker);
  // Power-up: ID 0, every entry masked, edge, vector 0, no pin asserted.
  void reset();

  // MMIO at offset (0..kSize-1) of the page; 32-bit accesses (the data
  // sheet's registers are dwords). Other offsets read 0 and ignore writes.
  u32 read(u32 offset);
  void write(u32 offset, u32 value);

  // A pin's input level (asserted = true); pins >= kPins are ignored.
  void set_irq(u32 pin, bool level) override;
  // A local APIC's EOI of a level-triggered vector.
  void level_eoi(u8 vector) override;

  u64 entry(u32 pin) const { return pin < kPins ? table_[pin] : 0; }
  IoApicStats stats() const { return stats_; }

 private:
  u32 read_register(u32 index) const;
  void write_register(u32 index, u32 value);
  // Sends pin's message if it should go now (unmasked; level: asserted and
  // Remote IRR clear); lock held.
  void service(u32 pin);
  bool deliver(u64 entry);

  TicketLock lock_;
  Span<VirtualLapic* const> lapics_;
  VcpuKicker* kicker_ = nullptr;
  u32 select_ = 0;
  u32 id_ = 0;  // bits 27:24 of the ID register
  u32 asserted_ = 0;
  u64 table_[kPins] = {};
  IoApicStats stats_;
};

}  // namespace nucleo

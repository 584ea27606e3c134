// SPDX-License-Identifier: MIT
// The virtual local APIC of one vCPU (SDM Vol. 3A chapter 11): xAPIC
// registers through MMIO offsets, x2APIC registers through MSRs, the timer,
// IPIs to the other vCPUs of the same VM, and the interrupt state (IRR,
// ISR, TMR, PPR) that decides what the vCPU takes next.
//
// Its state IS a LapicPage, laid out like the xAPIC page, so it works two
// ways (docs/virtual-apic.md):
//  (a) everything emulated: read()/write() for every access, software
//      injection with pending_vector() + acknowledge(), eoi();
//  (b) the processor virtualizes APIC accesses on the same page (SDM Vol.
//      3C chapter 30): after_write() on APIC-write exits, after_virtual_eoi()
//      on EOI-induced exits, guest_interrupt_status() for RVI/SVI.
//
// Threads: everything belongs to the vCPU's own core except accept() and
// the reads a sender makes of a peer (matches_*), which any core may call.
// Interrupts from other cores land in an "incoming" bitmap first, with
// atomic ORs, and the owner merges them into IRR (sync_incoming) while the
// guest is not running: the processor's own update of the virtual IRR
// during virtual-interrupt delivery is not a locked operation (SDM Vol. 3C
// 30.2.2), so no other core may write the live page while the guest runs.
#pragma once

#include "kernel/lib/span.hpp"
#include "kernel/lib/types.hpp"
#include "kernel/virt/attention.hpp"
#include "kernel/virt/guest_clock.hpp"
#include "kernel/virt/lapic/lapic_page.hpp"
#include "kernel/virt/lapic/lapic_regs.hpp"
#include "kernel/virt/lapic/lapic_timer.hpp"

namespace nucleo {

using vlapic::DeliveryMode;
using vlapic::IcrValue;

enum class LapicMode : u8 { disabled, xapic, x2apic };

// What an IPI asks of its target. Lowest priority is resolved by the sender
// (to the lowest-numbered matching vCPU) and arrives as fixed.
enum class IpiKind : u8 { fixed, nmi, init, sipi };
const char* ipi_kind_name(IpiKind kind);

// Where IPIs to OTHER vCPUs of the VM go: the integrator's sink calls the
// target's accept() and wakes the target's core. It only ever receives
// target < vcpu_count and never the sender's own index (self-IPIs are
// accepted directly on the sending core). IPIs are edge-triggered: the
// ICR's trigger mode only marks the INIT level de-assert (SDM 11.6.1).
class IpiSink {
 public:
  virtual void deliver(u32 target, IpiKind kind, u8 vector) = 0;

 protected:
  ~IpiSink() = default;
};

// Who hears the EOIs of level-triggered vectors: the I/O APIC, which
// clears the Remote IRR of the entries with that vector (the EOI message of
// SDM Vol. 3A 11.8.5; 82093AA data sheet 3.2.4, Remote IRR).
class EoiListener {
 public:
  virtual void level_eoi(u8 vector) = 0;

 protected:
  ~EoiListener() = default;
};

struct LapicConfig {
  u32 id = 0;             // vCPU index = APIC ID (xAPIC: 8 bits)
  u32 vcpu_count = 1;     // vCPUs in the VM: IPI destinations at or above are dropped
  u64 timer_hz = 0;       // APIC timer clock before the divider; 0 = the guest TSC rate
  bool x2apic = true;     // CPUID.01H:ECX.x2APIC as the guest sees it
  u8 phys_addr_bits = 36; // IA32_APIC_BASE bits at and above are reserved
};

// The result of an MSR access: #GP, or the value read.
struct LapicMsrResult {
  bool gp = false;
  u64 value = 0;
  static constexpr LapicMsrResult fault() { return {true, 0}; }
  static constexpr LapicMsrResult ok(u64 v = 0) { return {false, v}; }
};

struct LapicStats {
  u64 ipis_sent = 0;           // deliveries handed out (one per target)
  u64 ipis_dropped = 0;        // a destination outside the VM, or no sink for another vCPU
  u64 ipis_refused = 0;        // SMI, ExtINT, reserved delivery modes
  u64 ipis_illegal_vector = 0; // fixed/lowest-priority with vector < 16
  u64 level_eois = 0;          // EOIs of level-triggered vectors (the I/O APIC is told)
  u64 timer_fired = 0;
  DeliveryMode last_refused = DeliveryMode::fixed;
};

class VirtualLapic {
 public:
  VirtualLapic(LapicPage& page, const GuestClock& clock, const LapicConfig& config);
  VirtualLapic(const VirtualLapic&) = delete;
  VirtualLapic& operator=(const VirtualLapic&) = delete;

  // The VM's local APICs, indexed by vCPU (nullptr: not created), for
  // logical destinations; and where IPIs to other vCPUs go.
  void connect(Span<VirtualLapic* const> vm_lapics, IpiSink* sink);
  // Where EOIs of level-triggered vectors go (nullptr: nowhere, no I/O APIC).
  void set_eoi_listener(EoiListener* listener) { eoi_listener_ = listener; }

  // Raised by accept() whenever something became pending, and by the exit
  // path for every exit that may have touched this APIC; the entry path
  // runs the model only when it is (kernel/virt/attention.hpp).
  Attention attention;

  // Power-up state (11.4.7.1, 11.12.5.1): xAPIC mode, SVR 0xFF (software
  // disabled), every LVT masked, DFR all ones, everything else 0.
  void reset();
  // INIT (11.4.7.3): the same except the APIC ID and the mode.
  void init_reset();
  // What PC firmware leaves in the bootstrap processor's APIC before it
  // starts an OS: virtual wire mode (MultiProcessor Specification 1.4,
  // 3.6.2.2), LINT0 = ExtINT and LINT1 = NMI, unmasked. Linux keeps LINT0
  // as it finds it when there is no I/O APIC, so the 8259's interrupts
  // reach it only this way. Used by the loaders that stand in for firmware.
  void enter_virtual_wire_mode();

  // ---- xAPIC MMIO (offset in the page; 32-bit accesses at 16-byte steps) --
  u32 read(u32 offset);
  void write(u32 offset, u32 value);
  // APIC-write exit (SDM Vol. 3C 30.4.3.3): the processor already stored
  // the guest's value at `offset`; apply it as write() would. False for an
  // offset the processor never reports (the caller stops the VM).
  bool after_write(u32 offset);

  // ---- MSRs: IA32_APIC_BASE, IA32_TSC_DEADLINE, x2APIC 0x800-0x8FF -------
  static bool handles_msr(u32 msr);
  LapicMsrResult rdmsr(u32 msr);
  LapicMsrResult wrmsr(u32 msr, u64 value);
  u64 apic_base() const { return apic_base_; }
  // False (the guest gets #GP) for reserved bits or an illegal transition
  // (11.12.5 Figure 11-27).
  bool set_apic_base(u64 value);
  LapicMode mode() const { return static_cast<LapicMode>(__atomic_load_n(&mode_, __ATOMIC_RELAXED)); }
  bool software_enabled() const { return page_.get(vlapic::kSvr) & vlapic::kSvrEnable; }

  // ---- Interrupts to the vCPU ---------------------------------------------
  // Any core. Fixed: IRR (dropped while the APIC is disabled, software or
  // globally; a vector below 16 sets "receive illegal vector" instead);
  // NMI/INIT/SIPI: pending flags the own core takes with take_*().
  // Returns whether the vCPU's core must be made to look (kicked): for a
  // fixed interrupt only when it is the first to arrive since the core last
  // merged them (sync_incoming), which merges every one that came since;
  // for NMI, INIT, SIPI and an illegal vector always; never for what was
  // dropped. A storm of interrupts from other cores thus costs the target
  // one kick per time it looks, not one per interrupt.
  bool accept(u8 vector, IpiKind kind, bool level = false);
  bool take_nmi();
  bool take_init();
  bool take_sipi(u8& vector);

  // Own core: merge interrupts accepted from other cores into IRR. The
  // queries below do it themselves.
  void sync_incoming();
  // Something another core posted that sync_incoming() has not merged yet.
  bool has_incoming() const { return __atomic_load_n(&incoming_any_, __ATOMIC_RELAXED) != 0; }

  // (a) software injection: the highest IRR vector whose priority class is
  // above PPR, or -1; acknowledge() is the INTA cycle: IRR -> ISR, PPR.
  i32 pending_vector();
  void acknowledge(u8 vector);
  // EOI: clears the highest ISR bit (11.8.5).
  void eoi();
  // (b) virtual-interrupt delivery: RVI (bits 7:0) and SVI (15:8) for the
  // guest-interrupt-status field (SDM Vol. 3C 30.1.1), from the page.
  u16 guest_interrupt_status();
  // The EOI-exit bitmap (Vol. 3C 25.6.8): the level-triggered vectors (TMR),
  // whose EOIs must exit so the model sees them.
  void eoi_exit_bitmap(u64 (&bitmap)[4]);
  // EOI-induced exit: the processor already cleared the ISR bit.
  void after_virtual_eoi(u8 vector);

  u8 tpr() const { return static_cast<u8>(page_.get(vlapic::kTpr)); }
  void set_tpr(u8 value);  // CR8 writes (CR8 = TPR[7:4])
  u8 ppr() const { return static_cast<u8>(page_.get(vlapic::kPpr)); }

  // ---- Timer ----------------------------------------------------------------
  // Guest TSC at which the timer next needs poll(), or 0 (not armed).
  u64 timer_deadline_tsc() const;
  // Fires an expired timer into IRR (unless the LVT entry is masked).
  void poll(u64 now);

  // ---- IPIs (the sending side) ---------------------------------------------
  // Decodes an ICR value and delivers it (11.6). Public for the x2APIC MSR
  // path and tests; guests reach it through ICR writes.
  void send_ipi(IcrValue icr);
  // Logical destination matching (11.6.2.2; x2APIC 11.12.10.2), evaluated
  // on a peer by the sender: reads only the peer's LDR, DFR and mode.
  bool matches_logical(u32 destination) const;

  u32 id() const { return config_.id; }
  const LapicStats& stats() const { return stats_; }
  LapicPage& page() { return page_; }

 private:
  u32 read_register(u32 offset);
  void write_register(u32 offset, u32 value);
  void write_lvt(u32 offset, u32 value);
  void write_svr(u32 value);
  void write_timer_initial(u32 value);
  void write_timer_divide(u32 value);
  void update_ppr();
  void level_eoi(u8 vector);
  void record_error(u32 bits);
  void latch_esr();
  void set_id_registers();
  void clear_state();
  void set_mode(LapicMode m) { __atomic_store_n(&mode_, static_cast<u8>(m), __ATOMIC_RELAXED); }
  void self_ipi(u8 vector);
  void deliver_to(u32 target, IpiKind kind, u8 vector);
  vlapic::TimerMode timer_mode() const { return vlapic::timer_mode(page_.get(vlapic::kLvtTimer)); }
  bool valid_x2apic_write(u32 offset, u64 value) const;

  LapicPage& page_;
  const GuestClock& clock_;
  LapicConfig config_;
  LapicTimer timer_;
  u8 mode_ = 0;  // LapicMode; read by senders on other cores
  u64 apic_base_ = 0;
  Span<VirtualLapic* const> peers_;
  IpiSink* sink_ = nullptr;
  EoiListener* eoi_listener_ = nullptr;
  LapicStats stats_;

  // Written by other cores (atomics only).
  u32 incoming_irr_[8] = {};
  u32 incoming_tmr_[8] = {};
  u32 incoming_any_ = 0;
  u32 esr_pending_ = 0;
  u32 nmi_pending_ = 0;
  u32 init_pending_ = 0;
  u32 sipi_pending_ = 0;  // 0x100 | vector
};

}  // namespace nucleo

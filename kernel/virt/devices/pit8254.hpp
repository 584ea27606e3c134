// SPDX-License-Identifier: MIT
// The 8254 programmable interval timer of a PC (ports 0x40-0x43) with the
// channel 2 gate, speaker enable and OUT2 bits of system control port B
// (0x61). Counters are not ticked: each channel remembers when it started
// counting and derives its count and OUT from the VM's GuestClock at the
// 1.193182 MHz input clock when read. Channel 0 drives IRQ 0: the integrator
// arms a host timer for next_irq_deadline_tsc() and calls poll() when it
// fires. Follows the Intel 8254 data sheet (order 231164); pure; see
// docs/devices.md.
#pragma once

#include "kernel/virt/guest_clock.hpp"
#include "kernel/virt/io_bus.hpp"
#include "kernel/virt/irq_line.hpp"

namespace nucleo {

class Pit8254 final : public IoDevice {
 public:
  static constexpr u64 kInputHz = 1193182;  // 14.31818 MHz / 12
  static constexpr u16 kChannel0 = 0x40, kControl = 0x43, kPortB = 0x61;

  Pit8254(const GuestClock& clock, IrqLines& irqs, u32 irq = 0) : clock_(clock), irqs_(irqs), irq_(irq) {
    channels_[2].gate = false;  // port B bit 0 starts clear; the gates of channels 0 and 1 are tied high
  }

  bool io_in(u16 port, u8 size, u32& value) override;
  bool io_out(u16 port, u8 size, u32 value) override;

  // The guest TSC of channel 0's next rising OUT edge not yet delivered by
  // poll() (it may be in the past), or 0 when none will come.
  u64 next_irq_deadline_tsc() const;
  // Pulses IRQ 0 if channel 0's OUT rose since the last poll and returns
  // how many rising edges there were: one pulse stands for all of them,
  // as the 8259's edge-triggered IRR would latch them as one anyway.
  u64 poll(u64 now_tsc);

  bool out(u32 channel) const { return channel < 3 && output(channels_[channel], clock_.tsc()); }

 private:
  struct Channel {
    u8 control = 0x30;  // status bits 5-0 as last programmed: RW, mode, BCD
    u8 mode = 0;
    bool bcd = false;
    bool gate = true;
    bool armed = false;      // a count was written since the control word
    bool triggered = false;  // modes 1 and 5: a gate rising edge started the count
    u32 reload = 0x10000;    // N, binary: 1..65536
    u64 base_tsc = 0;        // when counting (re)started
    u64 carried = 0;         // input clock pulses counted before a pause
    u64 polled = 0;          // pulses already examined by poll()
    u16 held = 0;            // counter value before the current control word
    u8 write_low = 0;
    bool write_high_next = false, read_high_next = false;
    bool count_latched = false, latched_high_next = false, status_latched = false;
    u16 latched_count = 0;
    u8 latched_status = 0;

    u8 access() const { return static_cast<u8>(control >> 4 & 3); }
  };

  u64 ticks_since(u64 base, u64 now) const;
  u64 pulses(const Channel& c, u64 now) const;
  bool running(const Channel& c) const;
  bool output(const Channel& c, u64 now) const;
  u16 counter_value(const Channel& c, u64 now) const;  // as the guest reads it (BCD if programmed)
  u64 edges_up_to(const Channel& c, u64 pulse) const;  // rising OUT edges in pulses 1..pulse
  u64 tsc_of_pulse(const Channel& c, u64 pulse) const;
  u8 status(const Channel& c, u64 now) const;

  void write_control(u8 value, u64 now);
  void write_count(Channel& c, u8 value, u64 now);
  void load(Channel& c, u16 raw, u64 now);
  u8 read_counter(Channel& c, u64 now);
  void set_gate2(bool gate, u64 now);
  u8 read8(u16 port);
  void write8(u16 port, u8 value);
  static bool claims(u16 port) { return (port >= kChannel0 && port <= kControl) || port == kPortB; }

  const GuestClock& clock_;
  IrqLines& irqs_;
  u32 irq_;
  Channel channels_[3] = {};
  u8 port_b_ = 0;  // bits 3-0 as written: gate 2, speaker data, parity/IOCHK check enables
};

}  // namespace nucleo

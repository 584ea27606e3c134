// SPDX-License-Identifier: MIT
// The MC146818-compatible real-time clock and CMOS RAM of a PC: index port
// 0x70 (bit 7 disables NMI), data port 0x71, IRQ 8. The time is not ticked:
// it is a wall-clock time given at construction (Unix seconds at a guest
// TSC) plus the GuestClock's elapsed time, computed when read. The NVRAM is
// filled with the memory-size bytes a Bochs/SeaBIOS PC's firmware expects.
// Follows the Motorola MC146818A data sheet; pure; see docs/devices.md.
#pragma once

#include "kernel/virt/guest_clock.hpp"
#include "kernel/virt/io_bus.hpp"
#include "kernel/virt/irq_line.hpp"

namespace nucleo {

class CmosRtc final : public IoDevice {
 public:
  static constexpr u16 kIndexPort = 0x70, kDataPort = 0x71;
  static constexpr u32 kIrq = 8;
  static constexpr u8 kCenturyRegister = 0x32;  // the IBM PC/AT place, which ACPI's FADT CENTURY names

  struct Config {
    i64 unix_seconds = 0;  // wall-clock time (UTC) ...
    u64 at_tsc = 0;        // ... at this guest TSC
    u64 ram_below_4g = 0;  // bytes of guest RAM from 0 up to the 4 GiB boundary (or the PCI hole)
    u64 ram_above_4g = 0;  // bytes of guest RAM above 4 GiB
  };

  CmosRtc(const GuestClock& clock, IrqLines& irqs, const Config& config);

  bool io_in(u16 port, u8 size, u32& value) override;
  bool io_out(u16 port, u8 size, u32 value) override;

  // Port 0x70 bit 7 of the last index write: the guest's NMI mask.
  bool nmi_disabled() const { return nmi_disabled_; }

  // Update-ended and periodic interrupts (register B UIE, PIE): the guest
  // TSC of the next one (0: none, or IRQF already set and register C not
  // read yet), and the poll that raises IRQ 8 when one is due.
  u64 next_irq_deadline_tsc() const;
  bool poll(u64 now_tsc);

 private:
  struct DateTime {
    i64 year;  // full year
    u8 month, day, hour, minute, second, weekday;  // binary, 24-hour; weekday 1 = Sunday
  };

  bool running() const;  // divider in normal operation and SET clear: the clock advances
  i64 seconds_at(u64 now) const;
  u64 fraction_at(u64 now) const;  // TSC ticks into the current second
  DateTime time_at(u64 now) const;
  void freeze(u64 now);
  void thaw(u64 origin_tsc);
  void write_time(u8 index, u8 value, u64 now);
  u8 read_time(u8 index, u64 now) const;
  u8 encode(u32 value) const;
  u32 decode(u8 value) const;
  bool update_in_progress(u64 now) const;
  u64 periodic_hz() const;
  void collect_flags(u64 now);  // register C flags that became due since the last look
  u8 read_register(u8 index, u64 now);
  void write_register(u8 index, u8 value, u64 now);
  void fill_memory_bytes(u64 below_4g, u64 above_4g);

  const GuestClock& clock_;
  IrqLines& irqs_;
  u8 cmos_[128] = {};
  u8 index_ = 0;
  bool nmi_disabled_ = false;

  // Running: the time is base_seconds_ at base_tsc_ plus elapsed time.
  // Stopped (SET or divider not running): the time is held_.
  i64 base_seconds_ = 0;
  u64 base_tsc_ = 0;
  DateTime held_ = {};
  i32 weekday_offset_ = 0;  // the day-of-week register counts on its own; a write shifts it

  u64 flags_seen_tsc_ = 0;  // register C flags are collected up to here
  u8 flags_ = 0;            // register C bits 6-4 (PF, AF, UF)
  bool irq_raised_ = false; // IRQF was signalled; cleared by reading register C
};

}  // namespace nucleo

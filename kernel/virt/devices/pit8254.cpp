// SPDX-License-Identifier: MIT
// Counter behaviour per mode follows the Intel 8254 data sheet (231164),
// "Mode definitions". Time is counted in input clock pulses since the
// count was written (or since the gate restarted it): pulse 1 loads the
// count into the counting element (CE) without decrementing it, each later
// pulse decrements it, so in mode 0 OUT rises N + 1 pulses after the write.
#include "kernel/virt/devices/pit8254.hpp"

#include "kernel/lib/mul_div.hpp"

namespace nucleo {

namespace {

u32 from_bcd(u16 raw) {
  // Nibbles above 9 are not valid BCD; they count with their binary weight
  // per digit, which keeps any write defined.
  return (raw >> 12 & 0xF) * 1000u + (raw >> 8 & 0xF) * 100u + (raw >> 4 & 0xF) * 10u + (raw & 0xF);
}

u16 to_bcd(u32 value) {
  return static_cast<u16>((value / 1000 % 10) << 12 | (value / 100 % 10) << 8 | (value / 10 % 10) << 4 |
                          value % 10);
}

}  // namespace

u64 Pit8254::ticks_since(u64 base, u64 now) const {
  const u64 hz = clock_.tsc_hz();
  if (hz == 0 || now <= base) return 0;
  return mul_div(now - base, kInputHz, hz);
}

// Modes 1 and 5 count from a gate trigger; the others count while the gate
// is high (modes 2 and 3 restart on its rising edge, 0 and 4 resume).
bool Pit8254::running(const Channel& c) const {
  if (!c.armed) return false;
  return c.mode == 1 || c.mode == 5 ? c.triggered : c.gate;
}

u64 Pit8254::pulses(const Channel& c, u64 now) const {
  if (!c.armed) return 0;
  return running(c) ? c.carried + ticks_since(c.base_tsc, now) : c.carried;
}

bool Pit8254::output(const Channel& c, u64 now) const {
  if (!c.armed) return c.mode != 0;  // the level a control word sets: low in mode 0, high otherwise
  const u64 e = pulses(c, now);
  const u64 n = c.reload;
  switch (c.mode) {
    case 0: return e >= n + 1;                                  // interrupt on terminal count
    case 1: return !(c.triggered && e >= 1 && e <= n);          // one-shot: low for N pulses
    case 2: return !c.gate || e == 0 || (e - 1) % n != n - 1;   // rate generator: low while CE = 1
    case 3: return !c.gate || e == 0 || (e - 1) % n < (n + 1) / 2;  // square wave: high half rounded up
    case 4: return e != n + 1;                                  // software strobe
    default: return !(c.triggered && e == n + 1);               // 5: hardware strobe
  }
}

u16 Pit8254::counter_value(const Channel& c, u64 now) const {
  if (!c.armed) return c.held;
  const u64 modulus = c.bcd ? 10000 : 0x10000;
  const u64 e = pulses(c, now);
  const u64 n = c.reload;
  u64 ce = n;
  if (e > 0) {
    const u64 p = (e - 1) % n;
    switch (c.mode) {
      case 2: ce = n - p; break;
      case 3: {
        // Counts by two; an odd count spends one pulse more high, and its
        // halves start N, N-1, N-3... (high) and N, N-3, N-5... (low).
        const u64 high = (n + 1) / 2;
        if (n % 2 == 0) {
          ce = n - 2 * (p < high ? p : p - high);
        } else if (p < high) {
          ce = p == 0 ? n : n + 1 - 2 * p;
        } else {
          ce = p == high ? n : n - 1 - 2 * (p - high);
        }
        break;
      }
      default:  // 0, 1, 4, 5: the CE wraps past zero and keeps counting
        ce = n + modulus - (e - 1) % modulus;
        break;
    }
  }
  const u32 value = static_cast<u32>(ce % modulus);
  return c.bcd ? to_bcd(value) : static_cast<u16>(value);
}

u64 Pit8254::edges_up_to(const Channel& c, u64 e) const {
  const u64 n = c.reload;
  switch (c.mode) {
    case 0: return e >= n + 1 ? 1 : 0;
    case 2:
    case 3: return e >= 1 ? (e - 1) / n : 0;  // OUT rises as CE reloads: pulses 1 + kN, k >= 1
    case 4: return e >= n + 2 ? 1 : 0;         // back high after the one-pulse strobe
    default: return 0;                         // 1 and 5 need a gate trigger; channel 0's gate never rises
  }
}

// The first guest TSC at which ticks_since() reaches `pulse`. Works on a
// copy of the channel's base and carried pulses, never on the live channel,
// and has no loop (issue 13, hole 6: a round-up loop that re-read a base
// another vCPU was reprogramming ran for as many steps as the base moved).
u64 Pit8254::tsc_of_pulse(const Channel& c, u64 pulse) const {
  const u64 hz = clock_.tsc_hz();
  const u64 base = c.base_tsc, carried = c.carried;
  if (pulse <= carried || hz == 0) return 0;
  const u64 ticks = pulse - carried;
  const u64 d = mul_div_inverse(ticks, kInputHz, hz);
  const u64 t = d > UINT64_MAX - base ? UINT64_MAX : base + d;
  return t == 0 ? 1 : t;
}

u64 Pit8254::next_irq_deadline_tsc() const {
  const Channel& c = channels_[0];
  if (!running(c)) return 0;
  const u64 n = c.reload;
  u64 next = 0;
  switch (c.mode) {
    case 0: next = n + 1; break;
    case 4: next = n + 2; break;
    case 2:
    case 3: next = 1 + (c.polled < 1 ? 1 : (c.polled - 1) / n + 1) * n; break;
    default: return 0;
  }
  if (next <= c.polled) return 0;
  return tsc_of_pulse(c, next);
}

u64 Pit8254::poll(u64 now_tsc) {
  Channel& c = channels_[0];
  if (!c.armed) return 0;
  const u64 e = pulses(c, now_tsc);
  if (e <= c.polled) return 0;
  const u64 edges = edges_up_to(c, e) - edges_up_to(c, c.polled);
  c.polled = e;
  if (edges) irqs_.pulse(irq_);
  return edges;
}

u8 Pit8254::status(const Channel& c, u64 now) const {
  // Read-back status: OUT, null count (no count loaded into CE yet), RW, mode, BCD.
  const bool null_count = !c.armed || pulses(c, now) == 0;
  return static_cast<u8>((output(c, now) ? 0x80 : 0) | (null_count ? 0x40 : 0) | (c.control & 0x3F));
}

void Pit8254::load(Channel& c, u16 raw, u64 now) {
  if (c.bcd) {
    c.reload = raw == 0 ? 10000 : from_bcd(raw);
  } else {
    c.reload = raw == 0 ? 0x10000 : raw;
  }
  c.armed = true;
  c.triggered = false;
  c.carried = 0;
  c.base_tsc = now;
  c.polled = 0;
}

void Pit8254::write_count(Channel& c, u8 value, u64 now) {
  switch (c.access()) {
    case 1: load(c, value, now); return;
    case 2: load(c, static_cast<u16>(value << 8), now); return;
    default:
      if (!c.write_high_next) {
        c.write_low = value;
        c.write_high_next = true;
        // Mode 0: "writing the first byte disables counting"; OUT goes low.
        if (c.mode == 0 && c.armed) {
          c.held = counter_value(c, now);
          c.armed = false;
        }
        return;
      }
      c.write_high_next = false;
      load(c, static_cast<u16>(c.write_low | value << 8), now);
      return;
  }
}

void Pit8254::write_control(u8 value, u64 now) {
  if ((value >> 6) == 3) {  // read-back: bit 5 = !COUNT, bit 4 = !STATUS, bits 3-1 = counters 2-0
    for (u32 i = 0; i < 3; ++i) {
      if (!(value >> (i + 1) & 1)) continue;
      Channel& c = channels_[i];
      if (!(value & 0x20) && !c.count_latched) {
        c.latched_count = counter_value(c, now);
        c.count_latched = true;
        c.latched_high_next = false;
      }
      if (!(value & 0x10) && !c.status_latched) {
        c.latched_status = status(c, now);
        c.status_latched = true;
      }
    }
    return;
  }
  Channel& c = channels_[value >> 6];
  if ((value & 0x30) == 0) {  // counter latch command; a second one before the read is ignored
    if (!c.count_latched) {
      c.latched_count = counter_value(c, now);
      c.count_latched = true;
      c.latched_high_next = false;
    }
    return;
  }
  c.held = counter_value(c, now);
  c.control = value & 0x3F;
  const u8 mode = value >> 1 & 7;
  c.mode = mode >= 6 ? static_cast<u8>(mode - 4) : mode;  // modes 6 and 7 are 2 and 3
  c.bcd = value & 1;
  c.armed = c.triggered = false;
  c.write_high_next = c.read_high_next = false;
  c.count_latched = c.status_latched = false;
  c.carried = c.polled = 0;
}

u8 Pit8254::read_counter(Channel& c, u64 now) {
  if (c.status_latched) {
    c.status_latched = false;
    return c.latched_status;
  }
  const u8 rw = c.access();
  if (c.count_latched) {
    const bool high = rw == 2 || (rw == 3 && c.latched_high_next);
    if (rw == 3 && !c.latched_high_next) {
      c.latched_high_next = true;
    } else {
      c.count_latched = false;
    }
    return static_cast<u8>(high ? c.latched_count >> 8 : c.latched_count);
  }
  const u16 value = counter_value(c, now);
  bool high = rw == 2;
  if (rw == 3) {
    high = c.read_high_next;
    c.read_high_next = !c.read_high_next;
  }
  return static_cast<u8>(high ? value >> 8 : value);
}

void Pit8254::set_gate2(bool gate, u64 now) {
  Channel& c = channels_[2];
  if (gate == c.gate) return;
  if (!gate) {
    if (c.mode != 1 && c.mode != 5) c.carried = pulses(c, now);  // pause (modes 0, 4; 2, 3 until restarted)
    c.gate = false;
    return;
  }
  c.gate = true;
  if (c.mode == 0 || c.mode == 4) {
    c.base_tsc = now;  // resume where it stopped
  } else if (c.armed) {
    c.carried = 0;  // 2, 3: reload; 1, 5: trigger
    c.base_tsc = now;
    c.triggered = true;
  }
}

u8 Pit8254::read8(u16 port) {
  const u64 now = clock_.tsc();
  if (port == kPortB) {
    // Bit 4 toggles with each DRAM refresh request, every 15.085 us (18
    // input clock pulses); bit 5 is OUT2; bits 7-6 (parity and IOCHK
    // errors) read 0.
    const bool refresh = ticks_since(0, now) / 18 & 1;
    return static_cast<u8>((port_b_ & 0x0F) | (refresh ? 0x10 : 0) | (output(channels_[2], now) ? 0x20 : 0));
  }
  if (port == kControl) return 0xFF;  // the control register is write-only
  return read_counter(channels_[port - kChannel0], now);
}

void Pit8254::write8(u16 port, u8 value) {
  const u64 now = clock_.tsc();
  if (port == kPortB) {
    port_b_ = value & 0x0F;
    set_gate2(value & 1, now);
  } else if (port == kControl) {
    write_control(value, now);
  } else {
    write_count(channels_[port - kChannel0], value, now);
  }
}

bool Pit8254::io_in(u16 port, u8 size, u32& value) {
  if (!claims(port)) return false;
  value = 0;
  for (u8 i = 0; i < size && i < 4; ++i) {
    const u16 p = static_cast<u16>(port + i);
    value |= static_cast<u32>(claims(p) ? read8(p) : 0xFF) << (8 * i);
  }
  return true;
}

bool Pit8254::io_out(u16 port, u8 size, u32 value) {
  if (!claims(port)) return false;
  for (u8 i = 0; i < size && i < 4; ++i) {
    const u16 p = static_cast<u16>(port + i);
    if (claims(p)) write8(p, static_cast<u8>(value >> (8 * i)));
  }
  return true;
}

}  // namespace nucleo

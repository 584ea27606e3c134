// SPDX-License-Identifier: MIT
// Section names below are those of the Intel 8259A data sheet (231468).
#include "kernel/virt/devices/pic8259.hpp"

namespace nucleo {

u8 Pic8259Pair::Chip::best(u8 bits) const {
  for (u8 step = 1; step <= 8; ++step) {  // from the highest priority (lowest + 1) round to the lowest
    const u8 ir = static_cast<u8>((lowest + step) & 7);
    if (bits >> ir & 1) return ir;
  }
  return kNone;
}

// "Fully nested mode": a request wins over everything in service of lower
// priority. In special mask mode only unmasked in-service levels block; in
// special fully nested mode (master) the cascade level does not block itself,
// so a higher-priority slave request gets through while IR2 is in service.
u8 Pic8259Pair::Chip::deliverable() const {
  const u8 request = best(static_cast<u8>(irr & ~imr));
  if (request == kNone) return kNone;
  u8 blocking = isr;
  if (special_mask) blocking = static_cast<u8>(blocking & ~imr);
  if (is_master && special_fully_nested) blocking = static_cast<u8>(blocking & ~(1u << kCascadeIr));
  const u8 serving = best(blocking);
  if (serving != kNone && priority(serving) <= priority(request)) return kNone;
  return request;
}

// Edge inputs latch a rising edge in IRR until the INTA cycle, even if the
// line falls first (the data sheet asks the line to stay high; device models
// pulse it). Level inputs make IRR follow the line.
void Pic8259Pair::Chip::set_line(u8 ir, bool level) {
  const u8 bit = static_cast<u8>(1u << ir);
  const bool was = lines & bit;
  lines = static_cast<u8>(level ? lines | bit : lines & ~bit);
  if (level_triggered(ir)) {
    irr = static_cast<u8>(level ? irr | bit : irr & ~bit);
  } else if (level && !was) {
    irr |= bit;
  }
}

void Pic8259Pair::Chip::ack(u8 ir) {
  const u8 bit = static_cast<u8>(1u << ir);
  if (!level_triggered(ir)) irr = static_cast<u8>(irr & ~bit);
  if (!auto_eoi) {
    isr |= bit;
  } else if (rotate_on_auto_eoi) {
    lowest = ir;  // "Automatic rotation": the serviced level becomes the lowest
  }
}

void Pic8259Pair::Chip::write_command(u8 value) {
  if (value & 0x10) {  // ICW1: "Initialization command words"
    init_step = 2;
    needs_icw4 = value & 0x01;
    single = value & 0x02;
    level_mode = value & 0x08;
    // "The edge sense circuit is reset": an edge input already high must
    // fall and rise again; a level input's IRR is its line. IMR cleared, IR7 lowest priority, special mask mode off,
    // status read set to IRR; ICW4 functions cleared when IC4 = 0.
    irr = 0;
    for (u8 ir = 0; ir < 8; ++ir)
      if (level_triggered(ir)) irr = static_cast<u8>(irr | (lines & (1u << ir)));
    isr = 0;
    imr = 0;
    lowest = 7;
    special_mask = read_isr = poll = false;
    rotate_on_auto_eoi = false;
    if (!needs_icw4) auto_eoi = special_fully_nested = false;
    return;
  }
  if (value & 0x08) {  // OCW3
    if (value & 0x40) special_mask = value & 0x20;
    if (value & 0x04) poll = true;
    if (value & 0x02) read_isr = value & 0x01;
    return;
  }
  // OCW2: R, SL, EOI in bits 7-5, level in bits 2-0.
  const u8 level = value & 7;
  switch (value >> 5) {
    case 0b001:  // non-specific EOI
    case 0b101: {  // rotate on non-specific EOI
      const u8 ir = best(isr);
      if (ir == kNone) return;
      isr = static_cast<u8>(isr & ~(1u << ir));
      if (value & 0x80) lowest = ir;
      return;
    }
    case 0b011: isr = static_cast<u8>(isr & ~(1u << level)); return;  // specific EOI
    case 0b111:  // rotate on specific EOI
      isr = static_cast<u8>(isr & ~(1u << level));
      lowest = level;
      return;
    case 0b110: lowest = level; return;  // set priority
    case 0b100: rotate_on_auto_eoi = true; return;
    case 0b000: rotate_on_auto_eoi = false; return;
    default: return;  // 0b010: no operation
  }
}

void Pic8259Pair::Chip::write_data(u8 value) {
  switch (init_step) {
    case 2:  // ICW2: T7-T3 of the vector (8086 mode)
      vector_base = value & 0xF8;
      init_step = single ? (needs_icw4 ? 4 : 0) : 3;
      return;
    case 3:  // ICW3: which IRs have slaves (master) or the slave's ID; wiring is fixed
      icw3 = value;
      init_step = needs_icw4 ? 4 : 0;
      return;
    case 4:  // ICW4: uPM (8080 mode not modelled), AEOI, buffered mode (no effect), SFNM
      auto_eoi = value & 0x02;
      special_fully_nested = value & 0x10;
      init_step = 0;
      return;
    default: imr = value; return;  // OCW1
  }
}

// "Poll command": the read acts as the INTA cycle of this chip and returns
// 1000 0WWW with the level, or 0 when nothing is requesting.
u8 Pic8259Pair::Chip::read_command() {
  if (poll) {
    poll = false;
    const u8 ir = deliverable();
    if (ir == kNone) return 0;
    ack(ir);
    return static_cast<u8>(0x80 | ir);
  }
  return read_isr ? isr : irr;
}

void Pic8259Pair::update_cascade() {
  master_.set_line(kCascadeIr, !master_.single && slave_.deliverable() != kNone);
}

void Pic8259Pair::set_irq(u32 irq, bool level) {
  if (irq > 15 || irq == kCascadeIr) return;
  if (irq < 8) {
    master_.set_line(static_cast<u8>(irq), level);
  } else {
    slave_.set_line(static_cast<u8>(irq - 8), level);
  }
  update_cascade();
}

u8 Pic8259Pair::acknowledge() {
  const u8 ir = master_.deliverable();
  if (ir == kNone) return static_cast<u8>(master_.vector_base + 7);
  master_.ack(ir);
  u8 vector = static_cast<u8>(master_.vector_base + ir);
  if (ir == kCascadeIr && !master_.single) {
    const u8 slave_ir = slave_.deliverable();
    if (slave_ir == kNone) {
      vector = static_cast<u8>(slave_.vector_base + 7);
    } else {
      slave_.ack(slave_ir);
      vector = static_cast<u8>(slave_.vector_base + slave_ir);
    }
  }
  update_cascade();
  return vector;
}

bool Pic8259Pair::claims(u16 port) const {
  return port == kMasterCommand || port == kMasterData || port == kSlaveCommand || port == kSlaveData ||
         port == kElcrMaster || port == kElcrSlave;
}

u8 Pic8259Pair::read8(u16 port) {
  switch (port) {
    case kMasterCommand: return master_.read_command();
    case kMasterData: return master_.imr;
    case kSlaveCommand: {
      const u8 value = slave_.read_command();  // a poll may have acknowledged a slave request
      update_cascade();
      return value;
    }
    case kSlaveData: return slave_.imr;
    case kElcrMaster: return master_.elcr;
    case kElcrSlave: return slave_.elcr;
    default: return 0xFF;
  }
}

void Pic8259Pair::write8(u16 port, u8 value) {
  Chip* c = nullptr;
  switch (port) {
    case kMasterCommand: master_.write_command(value); break;
    case kMasterData: master_.write_data(value); break;
    case kSlaveCommand: slave_.write_command(value); break;
    case kSlaveData: slave_.write_data(value); break;
    case kElcrMaster: c = &master_; break;
    case kElcrSlave: c = &slave_; break;
    default: return;
  }
  if (c) {
    c->elcr = value & c->elcr_writable;
    for (u8 ir = 0; ir < 8; ++ir)  // a level input's IRR is its line
      if (c->level_triggered(ir)) c->irr = static_cast<u8>((c->irr & ~(1u << ir)) | (c->lines & (1u << ir)));
  }
  update_cascade();
}

bool Pic8259Pair::io_in(u16 port, u8 size, u32& value) {
  if (!claims(port)) return false;
  value = 0;
  for (u8 i = 0; i < size && i < 4; ++i) {
    const u16 p = static_cast<u16>(port + i);
    value |= static_cast<u32>(claims(p) ? read8(p) : 0xFF) << (8 * i);
  }
  return true;
}

bool Pic8259Pair::io_out(u16 port, u8 size, u32 value) {
  if (!claims(port)) return false;
  for (u8 i = 0; i < size && i < 4; ++i) {
    const u16 p = static_cast<u16>(port + i);
    if (claims(p)) write8(p, static_cast<u8>(value >> (8 * i)));
  }
  return true;
}

}  // namespace nucleo

// SPDX-License-Identifier: MIT
#include "kernel/console/console.hpp"

#include "kernel/arch/cpu.hpp"
#include "kernel/arch/spinlock.hpp"

namespace nucleo::console {

namespace {
constexpr usize kMaxDevices = 5;

struct Slot {
  Device* device;
  u64 lines;  // newlines written to it
  u64 ticks;  // TSC ticks spent in its write calls
};
constinit Slot g_slots[kMaxDevices] = {};
constinit usize g_count = 0;
constinit TicketLock g_lock;

// The start of the log for devices added late: records of one style byte,
// a 16-bit length and the text. Recording stops when it is full.
constinit u8 g_backlog[kBacklogBytes] = {};
constinit usize g_backlog_used = 0;
constinit usize g_backlog_lost = 0;  // bytes written after it filled up

void record(Str text, Style style) {
  if (g_backlog_lost || g_backlog_used + 3 + text.size() > kBacklogBytes || text.size() > 0xFFFF) {
    g_backlog_lost += text.size();
    return;
  }
  u8* p = g_backlog + g_backlog_used;
  p[0] = static_cast<u8>(style);
  p[1] = static_cast<u8>(text.size());
  p[2] = static_cast<u8>(text.size() >> 8);
  for (usize i = 0; i < text.size(); ++i) p[3 + i] = static_cast<u8>(text[i]);
  g_backlog_used += 3 + text.size();
}

u64 count_lines(Str text) {
  u64 n = 0;
  for (char c : text) n += c == '\n';
  return n;
}

void write_to(Slot& slot, Str text, Style style) {
  const u64 start = cpu::rdtsc();
  slot.device->write_styled(text, style);
  slot.ticks += cpu::rdtsc() - start;
  slot.lines += count_lines(text);
}

void replay_backlog(Slot& slot) {
  for (usize off = 0; off < g_backlog_used;) {
    const u8* p = g_backlog + off;
    const usize len = p[1] | static_cast<usize>(p[2]) << 8;
    write_to(slot, Str(reinterpret_cast<const char*>(p + 3), len), static_cast<Style>(p[0]));
    off += 3 + len;
  }
  if (g_backlog_lost) {
    char note[96];
    BufferSink line(note, sizeof note);
    format(line, "(console: {} bytes of earlier lines are not shown here)\n", g_backlog_lost);
    write_to(slot, line.view(), Style::warn);
  }
}
}  // namespace

void add_device(Device& device) {
  LockGuard guard(g_lock);
  if (g_count == kMaxDevices) return;
  Slot& slot = g_slots[g_count++];
  slot = Slot{&device, 0, 0};
  replay_backlog(slot);
}

void write(Str text) { write(text, Style::normal); }

void write(Str text, Style style) {
  LockGuard guard(g_lock);
  record(text, style);
  for (usize i = 0; i < g_count; ++i) write_to(g_slots[i], text, style);
}

bool try_write(Str text) {
  if (!g_lock.try_lock()) return false;
  record(text, Style::normal);
  for (usize i = 0; i < g_count; ++i) write_to(g_slots[i], text, Style::normal);
  g_lock.unlock();
  return true;
}

void describe(Sink& out) {
  for (usize i = 0; i < g_count; ++i) {
    if (i) out.write(", ");
    out.write(g_slots[i].device->name());
  }
}

void describe_timing(Sink& out) {
  LockGuard guard(g_lock);
  for (usize i = 0; i < g_count; ++i) {
    const Slot& s = g_slots[i];
    format(out, "{}{}: {} lines in {} TSC ticks", i ? "; " : "", s.device->name(), s.lines, s.ticks);
  }
}

void flush() {
  LockGuard guard(g_lock);
  for (usize i = 0; i < g_count; ++i) g_slots[i].device->flush();
}

void break_lock() { g_lock.force_release(); }

}  // namespace nucleo::console

// SPDX-License-Identifier: MIT
#include "kernel/console/console.hpp"

#include "kernel/arch/spinlock.hpp"

namespace nucleo::console {

namespace {
constexpr usize kMaxDevices = 4;
constinit Device* g_devices[kMaxDevices] = {};
constinit usize g_count = 0;
constinit TicketLock g_lock;
}  // namespace

void add_device(Device& device) {
  LockGuard guard(g_lock);
  if (g_count < kMaxDevices) g_devices[g_count++] = &device;
}

void write(Str text) {
  LockGuard guard(g_lock);
  for (usize i = 0; i < g_count; ++i) g_devices[i]->write(text);
}

bool try_write(Str text) {
  if (!g_lock.try_lock()) return false;
  for (usize i = 0; i < g_count; ++i) g_devices[i]->write(text);
  g_lock.unlock();
  return true;
}

void describe(Sink& out) {
  for (usize i = 0; i < g_count; ++i) {
    if (i) out.write(", ");
    out.write(g_devices[i]->name());
  }
}

void flush() {
  LockGuard guard(g_lock);
  for (usize i = 0; i < g_count; ++i) g_devices[i]->flush();
}

void break_lock() { g_lock.force_release(); }

}  // namespace nucleo::console

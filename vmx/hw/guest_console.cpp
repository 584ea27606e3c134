// SPDX-License-Identifier: MIT
#include "vmx/hw/guest_console.hpp"

#include "kernel/console/log.hpp"

namespace nucleo::vmx {

namespace {

class HostConsoleWriter final : public ConsoleLineWriter {
 public:
  bool write_line(Str vm_name, Str text, bool wait) override {
    if (log::level() < log::Level::info) return true;  // the log level hides guest lines as before
    char buffer[VmConsole::kLineLimit + 64];
    BufferSink line(buffer, sizeof buffer);
    format(line, "[{}] {}\n", vm_name, text);
    if (wait) {
      console::write(line.view());
      return true;
    }
    return console::try_write(line.view());
  }
};
constinit HostConsoleWriter g_writer;
constinit bool g_idle_drainer = false;

}  // namespace

u32 drain_guest_console(ConsoleQueue& queue, bool wait) { return queue.drain(g_writer, wait); }

void set_idle_drainer(bool present) { __atomic_store_n(&g_idle_drainer, present, __ATOMIC_RELEASE); }
bool idle_drainer() { return __atomic_load_n(&g_idle_drainer, __ATOMIC_ACQUIRE); }

}  // namespace nucleo::vmx

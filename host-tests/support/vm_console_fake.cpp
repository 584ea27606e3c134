// SPDX-License-Identifier: MIT
// Records what VMs print, as "[vm] text" lines, for the exit-handler tests.
#include "host-tests/support/vm_console_fake.hpp"

namespace nucleo::test {

std::vector<std::string> g_vm_console_lines;

void RecordingLineSink::line(Str vm_name, Str text) {
  g_vm_console_lines.push_back("[" + std::string(vm_name.data(), vm_name.size()) + "] " +
                               std::string(text.data(), text.size()));
}

RecordingLineSink g_recording_sink;

}  // namespace nucleo::test

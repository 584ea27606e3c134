// SPDX-License-Identifier: MIT
// A ConsoleLineSink that records VM console lines for the host tests.
#pragma once

#include <string>
#include <vector>

#include "kernel/virt/vm.hpp"

namespace nucleo::test {

extern std::vector<std::string> g_vm_console_lines;

class RecordingLineSink final : public ConsoleLineSink {
 public:
  void line(Str vm_name, Str text) override;
};
extern RecordingLineSink g_recording_sink;

}  // namespace nucleo::test

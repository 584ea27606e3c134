// SPDX-License-Identifier: MIT
// VMX capabilities from a recorded capability-MSR file in host-tests/data/vmx/
// ("0xNNN 0xVALUE" per line), read through vmx::read_capabilities as the
// kernel reads the real MSRs.
#pragma once

#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>
#include <string>

#include "vmx/core/capabilities.hpp"

namespace nucleo::test {

class MsrTable final : public vmx::MsrReader {
 public:
  explicit MsrTable(std::map<u32, u64> values) : values_(std::move(values)) {}
  u64 rdmsr(u32 msr) override {
    const auto it = values_.find(msr);
    if (it == values_.end()) throw std::runtime_error("MSR not recorded: " + std::to_string(msr));
    return it->second;
  }

 private:
  std::map<u32, u64> values_;
};

// A recording at `path` ("0xNNN 0xVALUE" per line, '#' comments).
inline std::map<u32, u64> load_msr_path(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::map<u32, u64> values;
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream words(line);
    std::string msr, value;
    if (!(words >> msr >> value) || msr[0] == '#') continue;
    values[static_cast<u32>(std::stoul(msr, nullptr, 16))] = std::stoull(value, nullptr, 16);
  }
  return values;
}

#ifdef NUCLEO_TEST_DATA
inline std::map<u32, u64> load_msr_file(const std::string& name) {
  return load_msr_path(std::string(NUCLEO_TEST_DATA) + "/vmx/" + name);
}

inline vmx::VmxCapabilities load_vmx_caps(const std::string& name) {
  MsrTable table(load_msr_file(name));
  return vmx::read_capabilities(table);
}

// Recorded on Bochs with cpu model corei7_haswell_4770.
inline const vmx::VmxCapabilities& haswell_caps() {
  static const vmx::VmxCapabilities caps = load_vmx_caps("bochs_corei7_haswell_4770.txt");
  return caps;
}
#endif

}  // namespace nucleo::test

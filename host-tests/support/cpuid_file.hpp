// SPDX-License-Identifier: MIT
// A FakeCpu answering CPUID from a recording in host-tests/data/cpuid/,
// made by the kernel itself with dump=cpuid on the processor named by the
// file ("LEAF SUBLEAF EAX EBX ECX EDX" per line, hex; SUBLEAF "*" for a
// leaf that takes none; a subleaf not recorded answers zeros):
//   tools/nucleo run --cpu-model MODEL -- dump=cpuid | sed -n 's/.*cpuid-leaf //p'
#pragma once

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "host-tests/support/fake_cpu.hpp"

namespace nucleo::test {

inline FakeCpu load_cpuid_file(const std::string& name) {
  const std::string path = std::string(NUCLEO_TEST_DATA) + "/cpuid/" + name;
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot read " + path);
  FakeCpu cpu;
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream words(line);
    std::string leaf, subleaf, eax, ebx, ecx, edx;
    if (!(words >> leaf >> subleaf >> eax >> ebx >> ecx >> edx) || leaf[0] == '#') continue;
    const auto hex = [](const std::string& s) { return static_cast<u32>(std::stoul(s, nullptr, 16)); };
    const CpuidValues v{hex(eax), hex(ebx), hex(ecx), hex(edx)};
    if (subleaf == "*")
      cpu.set_cpuid(hex(leaf), v);
    else
      cpu.set_cpuid(hex(leaf), static_cast<u32>(std::stoul(subleaf, nullptr, 10)), v);
  }
  if (cpu.cpuid_table.empty()) throw std::runtime_error(path + " holds no CPUID leaf");
  return cpu;
}

// Every recording, by file name (sorted, so failures name the same file
// each run).
inline std::vector<std::string> cpuid_recordings() {
  std::vector<std::string> names;
  for (const auto& e : std::filesystem::directory_iterator(std::filesystem::path(NUCLEO_TEST_DATA) / "cpuid"))
    if (e.path().extension() == ".txt") names.push_back(e.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace nucleo::test

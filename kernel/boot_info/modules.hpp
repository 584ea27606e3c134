// SPDX-License-Identifier: MIT
// Multiboot2 modules by name. A module's name is its GRUB string (what
// follows the file on the `module2` line); the VM configuration names its
// images that way, and the configuration itself is the first module whose
// name ends in ".toml" (docs/config.md). Pure.
#pragma once

#include "kernel/boot_info/multiboot2.hpp"

namespace nucleo::mb2 {

inline const Module* find_module(const BootInfo& info, Str name) {
  for (usize i = 0; i < info.module_count; ++i)
    if (info.modules[i].cmdline == name) return &info.modules[i];
  return nullptr;
}

inline bool is_config_name(Str name) {
  constexpr Str kSuffix = ".toml";
  return name.size() > kSuffix.size() && name.substr(name.size() - kSuffix.size()) == kSuffix;
}

// `wanted` (config=NAME on the command line) or, when empty, the first
// module whose name ends in ".toml".
inline const Module* find_config_module(const BootInfo& info, Str wanted) {
  if (!wanted.empty()) return find_module(info, wanted);
  for (usize i = 0; i < info.module_count; ++i)
    if (is_config_name(info.modules[i].cmdline)) return &info.modules[i];
  return nullptr;
}

}  // namespace nucleo::mb2

// SPDX-License-Identifier: MIT
// libFuzzer target: arbitrary bytes as the VM configuration file. Every view
// a VM holds is read in full (so ASan catches a bad one) and must lie inside
// the input or the scratch arena; valid VMs must be complete, within the
// limits and on disjoint online cores; valid channels must join two distinct
// valid VMs with a bounded size; every error must name a real line.
#include "kernel/config/vm_config.hpp"

#include "host-tests/fuzz/fuzz_check.hpp"

namespace {

using namespace nucleo;

const char* g_text_begin;
const char* g_text_end;
char g_scratch[512];  // small, so the arena also runs out
volatile char g_sink;

bool inside(const char* p, usize n, const char* begin, const char* end) { return p >= begin && p + n <= end; }

void touch(Str s) {
  if (s.empty()) return;
  NUCLEO_FUZZ_CHECK(inside(s.data(), s.size(), g_text_begin, g_text_end) ||
        inside(s.data(), s.size(), g_scratch, g_scratch + sizeof g_scratch));
  char x = 0;
  for (char c : s) x = static_cast<char>(x ^ c);
  g_sink = x;
}

// A message is static text or a NUL-terminated string in the scratch arena.
void check_error(const ConfigError& e, u32 lines) {
  NUCLEO_FUZZ_CHECK(e.what != nullptr && e.what[0] != '\0');
  NUCLEO_FUZZ_CHECK(e.line >= 1 && e.line <= lines && e.column >= 1);
  if (e.what >= g_scratch && e.what < g_scratch + sizeof g_scratch)
    touch(Str::bounded(e.what, static_cast<usize>(g_scratch + sizeof g_scratch - e.what)));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const u8* data, usize size) {
  static Config config;  // ~11 KiB: static rather than on the fuzzer's stack
  const char* text = reinterpret_cast<const char*>(data);
  g_text_begin = text;
  g_text_end = text + size;
  // The first byte also picks the machine's core count (the text still starts at byte 0).
  const u32 online = size > 0 ? static_cast<u8>(text[0]) % 80 : 4;
  parse_config(Str(text, size), Span<char>(g_scratch, sizeof g_scratch), online, config);

  u32 lines = 1;
  for (usize i = 0; i < size; ++i) lines += text[i] == '\n';
  NUCLEO_FUZZ_CHECK(config.vm_count <= kMaxVms);
  NUCLEO_FUZZ_CHECK(config.file_ok || config.vms_dropped > 0 || config.file_error.line >= 1);
  if (!config.file_ok) check_error(config.file_error, lines);

  CpuSet taken;
  u32 taken_count = 0;
  for (u32 i = 0; i < config.vm_count; ++i) {
    const VmConfig& vm = config.vms[i];
    touch(vm.name);
    touch(vm.kernel);
    touch(vm.cmdline);
    NUCLEO_FUZZ_CHECK(vm.module_count <= kMaxVmModules && vm.core_count <= kMaxVmCores);
    for (u32 m = 0; m < vm.module_count; ++m) touch(vm.modules[m]);
    if (!vm.valid) {
      check_error(vm.error, lines);
      continue;
    }
    NUCLEO_FUZZ_CHECK(vm.error.line == 0);
    NUCLEO_FUZZ_CHECK(!vm.name.empty() && vm.name.size() <= kMaxVmNameLength && !vm.kernel.empty());
    NUCLEO_FUZZ_CHECK(vm.memory_bytes >= kMinVmMemory && vm.memory_bytes % kPageSize == 0);
    NUCLEO_FUZZ_CHECK(vm.core_count >= 1 && vm.cores.count() == vm.core_count);
    for (u32 k = 0; k < vm.core_count; ++k) {
      const u32 core = vm.core_list[k];
      NUCLEO_FUZZ_CHECK(core < online && vm.cores.contains(core) && !taken.contains(core));  // disjoint across valid VMs
      taken.add(core);
      ++taken_count;
    }
    for (u32 j = 0; j < i; ++j) NUCLEO_FUZZ_CHECK(!config.vms[j].valid || !(config.vms[j].name == vm.name));
  }
  NUCLEO_FUZZ_CHECK(hypervisor_cores(config, online).count() + taken_count == online);

  NUCLEO_FUZZ_CHECK(config.channel_count <= kMaxChannels);
  for (u32 i = 0; i < config.channel_count; ++i) {
    const ChannelConfig& ch = config.channels[i];
    touch(ch.name);
    NUCLEO_FUZZ_CHECK(ch.vm_name_count <= 2);
    for (u32 k = 0; k < ch.vm_name_count; ++k) touch(ch.vm_names[k]);
    if (!ch.valid) {
      check_error(ch.error, lines);
      continue;
    }
    NUCLEO_FUZZ_CHECK(ch.error.line == 0 && ch.vm_name_count == 2);
    NUCLEO_FUZZ_CHECK(!ch.name.empty() && ch.name.size() <= kMaxVmNameLength);
    NUCLEO_FUZZ_CHECK(ch.size_bytes >= kMinChannelSize && ch.size_bytes <= kMaxChannelSize &&
                      ch.size_bytes % kPageSize == 0);
    NUCLEO_FUZZ_CHECK(ch.vms[0] != ch.vms[1] && ch.vms[0] < config.vm_count && ch.vms[1] < config.vm_count);
    for (u32 k = 0; k < 2; ++k)
      NUCLEO_FUZZ_CHECK(config.vms[ch.vms[k]].valid && config.vms[ch.vms[k]].name == ch.vm_names[k]);
    for (u32 j = 0; j < i; ++j) NUCLEO_FUZZ_CHECK(!config.channels[j].valid || !(config.channels[j].name == ch.name));
  }
  return 0;
}

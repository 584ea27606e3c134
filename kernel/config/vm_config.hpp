// SPDX-License-Identifier: MIT
// The VM configuration file: a small, documented subset of TOML (docs/config.md)
// listing the VMs to start, their cores, memory, images and devices, and the
// channels (shared memory plus a doorbell) between pairs of them. The file
// comes from the boot medium, so it is untrusted input: the parser never reads
// past the text, never allocates, and turns every problem into a line, a column
// and a message. Pure code: compiled into the kernel and the host tests.
#pragma once

#include "kernel/lib/cpu_set.hpp"
#include "kernel/lib/span.hpp"
#include "kernel/lib/str.hpp"
#include "kernel/lib/types.hpp"

namespace nucleo {

constexpr u32 kMaxVms = 16;
constexpr u32 kMaxVmCores = 64;
constexpr u32 kMaxVmModules = 8;
constexpr usize kMaxVmNameLength = 31;
constexpr u64 kMinVmMemory = 1 * MiB;
// A VM's RAM is one range from guest-physical 0 (docs/config.md); it must end
// at or below the PCI hole, where the 32-bit MMIO area (local APIC, I/O APIC,
// HPET, PCI BARs) of the VM's PC starts at 3.5 GiB. That is also the bound:
// there is no RAM above 4 GiB yet.
constexpr u64 kPciHoleBase = 0xE0000000;
constexpr u64 kMaxVmMemory = kPciHoleBase;
constexpr u32 kMaxChannels = 16;
constexpr u64 kMinChannelSize = kPageSize;
constexpr u64 kMaxChannelSize = 2 * MiB;  // bounds what the hypervisor allocates per channel

// Emulated devices a VM may ask for; VmConfig::devices holds device_bit()s.
enum class Device : u32 { uart, debug_exit, fw_cfg, pit, pic, rtc, pci, acpi, lapic, ioapic, reset, count };
constexpr u32 device_bit(Device d) { return u32{1} << static_cast<u32>(d); }
// The name used in the file ("debug-exit", ...), or "?" for count.
constexpr const char* device_name(Device d) {
  constexpr const char* kNames[] = {"uart", "debug-exit", "fw_cfg", "pit", "pic", "rtc", "pci", "acpi", "lapic",
                                      "ioapic", "reset"};
  static_assert(sizeof kNames / sizeof kNames[0] == static_cast<usize>(Device::count));
  return d < Device::count ? kNames[static_cast<u32>(d)] : "?";
}

// line and column are 1-based (the column counts bytes; a tab is one); 0/0
// and "" when there is no error. `what` is static text, or text formatted into
// the scratch arena when it names a core or a VM.
struct ConfigError {
  u32 line = 0;
  u32 column = 0;
  const char* what = "";
};

struct VmConfig {
  enum class Kind : u8 { unmodified, paravirtual };
  enum class OnCrash : u8 { stop, restart };

  // Every Str points into the input text, or into the scratch arena when
  // escapes had to be decoded: both must outlive the Config.
  Str name;
  CpuSet cores;
  u32 core_list[kMaxVmCores] = {};  // in file order: vCPU i runs on core_list[i]
  u32 core_count = 0;
  u64 memory_bytes = 0;
  Str kernel;
  Str modules[kMaxVmModules];
  u32 module_count = 0;
  Str cmdline;
  Kind kind = Kind::unmodified;
  OnCrash on_crash = OnCrash::stop;
  u32 devices = 0;  // bitmask of device_bit(Device)
  u32 extensions = 0;  // the extended instructions it has: vmx::ext::bit(Id) mask (docs/isa/)
  bool valid = false;
  ConfigError error;

  constexpr bool has(Device d) const { return (devices & device_bit(d)) != 0; }
};

// A [[channel]]: a shared region of size_bytes and a doorbell between two
// distinct valid VMs. An invalid channel is dropped; its VMs still start.
struct ChannelConfig {
  Str name;
  Str vm_names[2];
  u32 vm_name_count = 0;
  u32 vms[2] = {};  // indices into Config::vms; meaningful when valid
  u64 size_bytes = kPageSize;
  bool valid = false;
  ConfigError error;
};

// About 11 KiB: keep it in static storage, not on a kernel stack.
struct Config {
  VmConfig vms[kMaxVms];
  u32 vm_count = 0;        // [[vm]] sections kept, valid or not, in file order
  u32 vms_dropped = 0;     // [[vm]] sections beyond kMaxVms, ignored
  ChannelConfig channels[kMaxChannels];
  u32 channel_count = 0;     // [[channel]] sections kept, valid or not, in file order
  u32 channels_dropped = 0;  // [[channel]] sections beyond kMaxChannels, ignored
  ConfigError file_error;  // the first error outside any VM
  bool file_ok = true;
};

// Parses `text` into `out` (fully overwritten). `scratch` receives decoded
// escaped strings and formatted messages; when it runs out, an escaped string
// is an error and a message falls back to static text. `online_cores`: core
// indices at or above it are refused. An error inside a [[vm]] invalidates
// that VM only; the others are still parsed and checked against each other.
// Channels are checked last, against the VMs that are still valid.
void parse_config(Str text, Span<char> scratch, u32 online_cores, Config& out);

// The online cores no valid VM was given: they stay with the hypervisor.
inline CpuSet hypervisor_cores(const Config& config, u32 online_cores) {
  CpuSet set = CpuSet::first_n(online_cores);
  for (u32 i = 0; i < config.vm_count && i < kMaxVms; ++i)
    for (u32 k = 0; config.vms[i].valid && k < config.vms[i].core_count; ++k) set.remove(config.vms[i].core_list[k]);
  return set;
}

}  // namespace nucleo

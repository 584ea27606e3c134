// SPDX-License-Identifier: MIT
// VMs from the configuration file (docs/config.md): the file is the
// Multiboot2 module whose name ends in ".toml" (or config=NAME); every valid
// VM gets its RAM, its image loaded by the Multiboot loaders, its virtual PC
// and one vCPU per listed core, the first started at the image's entry and
// the others waiting for the guest's INIT-SIPI-SIPI. All VMs run in
// parallel; the call returns when every one of them has stopped.
#pragma once

#include "kernel/boot_info/cmdline.hpp"
#include "kernel/boot_info/multiboot2.hpp"
#include "kernel/lib/format.hpp"

namespace nucleo::vmx {

struct LaunchResult {
  bool config_found = false;
  u32 vms_in_file = 0;   // [[vm]] sections
  u32 vms_started = 0;
  u32 vms_exited_0 = 0;  // ended by the guest itself with code 0
  u32 vms_crashed = 0;   // ended otherwise than by the guest's own request
  bool config_errors = false;
};

LaunchResult run_configured_vms(const mb2::BootInfo& info, const Cmdline& cmdline);

// {"<vm>": {"code": N, "stop": "...", "vcpus": [{<exit counts>}...]}, ...}
void configured_vms_json(Sink& out);

}  // namespace nucleo::vmx

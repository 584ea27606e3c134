// SPDX-License-Identifier: MIT
// What a vCPU keeps for the extended instructions: which proposals its VM
// enabled, its counters, and the seam to what the emulations reach beyond
// the vCPU (the other vCPUs' TLBs, the VM's channels). Included by vmx/core/exit_context.hpp.
#pragma once

#include "guests/include/nucleo/hypercall.h"
#include "vmx/ext/isa_table.hpp"

namespace nucleo::vmx::ext {

struct IsaStats {
  u64 executed[kIdCount] = {};       // instructions emulated and retired
  u64 faulted[kIdCount] = {};        // #UD or #GP by the proposal's rules
  u64 targets[kIdCount] = {};        // other vCPUs reached (for per-target costs)
  u64 elided_exits[kIdCount] = {};   // features: exits that would not have happened
  u64 emulation_tsc[kIdCount] = {};  // host TSC ticks in the emulation (of the #UD exits)
  u64 baseline_runs[kIdCount] = {};  // root-mode proposals: the software path run instead
  u64 baseline_tsc[kIdCount] = {};   // ... and its host TSC ticks
};

static_assert(kIdCount <= NUCLEO_HC_ISA_PROPOSALS, "the ISA_STATS hypercall has room for every proposal");

// Sums one vCPU's counters into the hypercall's struct.
inline void add_isa_stats(nucleo_hc_isa_stats& out, const IsaStats& in) {
  for (u32 i = 0; i < kIdCount; ++i) {
    out.executed[i] += in.executed[i];
    out.faulted[i] += in.faulted[i];
    out.targets[i] += in.targets[i];
    out.elided_exits[i] += in.elided_exits[i];
    out.emulation_tsc[i] += in.emulation_tsc[i];
    out.baseline_runs[i] += in.baseline_runs[i];
    out.baseline_tsc[i] += in.baseline_tsc[i];
  }
}

// What a ring of a channel's peer came to (VNOTIFY, docs/isa/vnotify.md).
enum class NotifyStatus : u8 {
  delivered,   // the peer's doorbell vCPU takes the doorbell vector
  pending,     // the peer has set no doorbell yet: it rings once the peer sets one
  peer_down,   // the peer VM is not running: the ring is dropped
  bad_handle,  // no channel of this VM has that handle
};

// Implemented by the VM (vmx/hw/guest_tlb.cpp, guest_vm.cpp), faked in host tests.
class IsaServices {
 public:
  // Drops the calling vCPU's own guest translations of [linear, linear +
  // pages * 4 KiB) (pages = 0: all of them), on this core.
  virtual void flush_own_tlb(u32 self, u64 linear, u64 pages) = 0;
  // Makes every other running vCPU of the VM drop its guest translations
  // before its next guest instruction, and returns once each has (bounded);
  // the number of vCPUs reached.
  virtual u32 broadcast_tlb_flush(u32 self) = 0;
  // Rings the peer of the VM's channel `handle`, exactly as
  // NUCLEO_HC_CHANNEL_RING does (the same path in the channel table).
  virtual NotifyStatus notify_channel(u64 handle) = 0;

 protected:
  ~IsaServices() = default;
};

}  // namespace nucleo::vmx::ext

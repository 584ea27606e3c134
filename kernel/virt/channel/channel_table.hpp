// SPDX-License-Identifier: MIT
// Channels between VMs (docs/hypercalls.md, "Channels"): each joins two VMs
// named in the configuration with a shared memory region and a doorbell in
// each direction. This is the hypervisor's bookkeeping only: which VM sees
// which channel under which handle and at which guest-physical address, each
// side's doorbell (vector and vCPU), ring counts, and whether each VM runs.
// The region's contents belong to the guests: nothing here reads them.
//
// Both VMs of a channel run on their own cores at the same time, so every
// field a guest can change is one word accessed atomically; the owner of an
// endpoint writes it, the peer only reads it (plus the `pending` flag and the
// counters, which both sides update with atomic read-modify-writes).
#pragma once

#include "kernel/config/vm_config.hpp"
#include "kernel/lib/str.hpp"
#include "kernel/lib/types.hpp"

namespace nucleo {

// One VM's side of a channel.
struct ChannelEndpoint {
  u32 vm = 0;        // index into Config::vms
  u64 gpa = 0;       // where the region appears in this VM (place_channels)
  u32 doorbell = 0;  // 0: off; else vector | vcpu << 8 (atomic)
  u32 pending = 0;   // 1: the peer rang before a doorbell was set (atomic)
  u64 rings_sent = 0;      // rings this side made that were accepted (atomic)
  u64 rings_delivered = 0; // rings that reached this side's vCPU (atomic)
};

struct Channel {
  Str name;
  u64 size = 0;          // bytes, a multiple of 4 KiB
  u64 host_address = 0;  // where the VMX side keeps the region (it fills this in)
  ChannelEndpoint ends[2];
};

// What a ring asks the caller to do.
struct ChannelRing {
  enum class Kind : u8 { deliver, pending, peer_down, bad_handle };
  Kind kind = Kind::bad_handle;
  u32 vm = 0;    // deliver: the peer VM (index into Config::vms), its vCPU and vector
  u32 vcpu = 0;
  u8 vector = 0;
};

class ChannelTable {
 public:
  // The valid channels of `config`, in file order; every VM starts stopped.
  // The names stay views into the configuration text, which must outlive
  // the table (in the kernel it lives as long as the hypervisor).
  void build(const Config& config);

  u32 count() const { return count_; }
  Channel& channel(u32 index) { return channels_[index]; }
  const Channel& channel(u32 index) const { return channels_[index]; }

  // A VM's handles number the channels that join it, in table order.
  u32 handles_of(u32 vm) const;
  // The channel and side (0 or 1) behind a VM's handle; nullptr when the
  // handle is not the VM's.
  Channel* by_handle(u32 vm, u64 handle, u32& side);
  // The VM's handle for the channel called `name`, or -1.
  i64 lookup(u32 vm, Str name) const;

  // Gives each of the VM's channel regions a guest-physical address, one
  // after the other from `base` (rounded up to 4 KiB), in handle order.
  // Returns the end of the last region, or 0 when they would pass `limit`.
  u64 place_channels(u32 vm, u64 base, u64 limit);

  // Life cycle of a VM (the VMX side calls these). A start resets the VM's
  // doorbells and pending rings (a new guest has set none) and counts the
  // start; the regions are untouched, so a restart of one side does not
  // disturb the other: it sees the peer's start count change.
  void vm_started(u32 vm);
  void vm_stopped(u32 vm);
  bool running(u32 vm) const;
  u32 starts(u32 vm) const;
  // CHANNEL_INFO's peer state word (NUCLEO_HC_PEER_* in the ABI header).
  u32 peer_state(u32 vm) const;

  // Sets the VM's doorbell on a channel (vector 0: off). Returns true when a
  // ring had arrived before and must now be delivered to (vm, vcpu, vector).
  bool set_doorbell(Channel& channel, u32 side, u8 vector, u32 vcpu);
  // The VM rings its peer through `handle`.
  ChannelRing ring(u32 vm, u64 handle);
  // A ring carried out: ring(), then, when it names a vCPU, `signal(vm,
  // vcpu, vector)` delivers the doorbell (false: that VM stopped in between,
  // which makes it peer_down). The one path of NUCLEO_HC_CHANNEL_RING, the
  // doorbell ports and VNOTIFY (docs/isa/vnotify.md).
  template <class Signal>
  ChannelRing::Kind ring_and_signal(u32 vm, u64 handle, Signal&& signal) {
    const ChannelRing r = ring(vm, handle);
    if (r.kind == ChannelRing::Kind::deliver && !signal(r.vm, r.vcpu, r.vector)) return ChannelRing::Kind::peer_down;
    return r.kind;
  }

 private:
  Channel channels_[kMaxChannels];
  u32 count_ = 0;
  u32 vm_state_[kMaxVms] = {};  // bit 31: running; bits 0-30: starts (atomic)
};

}  // namespace nucleo

// SPDX-License-Identifier: MIT
// Channel bookkeeping: handles, placement, doorbells and the life cycle of
// the VMs a channel joins (channel_table.hpp).
#include "kernel/virt/channel/channel_table.hpp"

#include "guests/include/nucleo/hypercall.h"

namespace nucleo {
namespace {

constexpr u32 kRunning = NUCLEO_HC_PEER_RUNNING;
constexpr u32 kStartsMask = NUCLEO_HC_PEER_STARTS_MASK;

u32 load(const u32& word) { return __atomic_load_n(&word, __ATOMIC_SEQ_CST); }
void store(u32& word, u32 value) { __atomic_store_n(&word, value, __ATOMIC_SEQ_CST); }
u32 take(u32& word) { return __atomic_exchange_n(&word, 0u, __ATOMIC_SEQ_CST); }
void bump(u64& counter) { __atomic_fetch_add(&counter, u64{1}, __ATOMIC_RELAXED); }

constexpr u32 doorbell_word(u8 vector, u32 vcpu) { return vector == 0 ? 0 : vector | (vcpu & 0xff) << 8; }

}  // namespace

void ChannelTable::build(const Config& config) {
  count_ = 0;
  for (u32& state : vm_state_) state = 0;
  for (u32 i = 0; i < config.channel_count && i < kMaxChannels; ++i) {
    const ChannelConfig& c = config.channels[i];
    if (!c.valid) continue;
    Channel& ch = channels_[count_++];
    ch = Channel{};
    ch.name = c.name;
    ch.size = c.size_bytes;
    ch.ends[0].vm = c.vms[0];
    ch.ends[1].vm = c.vms[1];
  }
}

u32 ChannelTable::handles_of(u32 vm) const {
  u32 n = 0;
  for (u32 i = 0; i < count_; ++i) n += (channels_[i].ends[0].vm == vm) + (channels_[i].ends[1].vm == vm);
  return n;
}

Channel* ChannelTable::by_handle(u32 vm, u64 handle, u32& side) {
  u64 n = 0;
  for (u32 i = 0; i < count_; ++i) {
    for (u32 s = 0; s < 2; ++s) {
      if (channels_[i].ends[s].vm != vm) continue;
      if (n++ == handle) {
        side = s;
        return &channels_[i];
      }
    }
  }
  return nullptr;
}

i64 ChannelTable::lookup(u32 vm, Str name) const {
  i64 handle = 0;
  for (u32 i = 0; i < count_; ++i) {
    for (u32 s = 0; s < 2; ++s) {
      if (channels_[i].ends[s].vm != vm) continue;
      if (channels_[i].name == name) return handle;
      ++handle;
    }
  }
  return -1;
}

u64 ChannelTable::place_channels(u32 vm, u64 base, u64 limit) {
  if (base > UINT64_MAX - kPageSize) return 0;
  u64 cursor = align_up(base, kPageSize);
  for (u32 i = 0; i < count_; ++i) {
    for (ChannelEndpoint& end : channels_[i].ends) {
      if (end.vm != vm) continue;
      if (cursor > limit || channels_[i].size > limit - cursor) return 0;
      end.gpa = cursor;
      cursor += channels_[i].size;  // a multiple of 4 KiB: the next one stays aligned
    }
  }
  return cursor;
}

void ChannelTable::vm_started(u32 vm) {
  if (vm >= kMaxVms) return;
  for (u32 i = 0; i < count_; ++i) {
    for (ChannelEndpoint& end : channels_[i].ends) {
      if (end.vm != vm) continue;
      store(end.doorbell, 0);
      store(end.pending, 0);
    }
  }
  const u32 old = load(vm_state_[vm]);
  store(vm_state_[vm], kRunning | ((old + 1) & kStartsMask));
}

void ChannelTable::vm_stopped(u32 vm) {
  if (vm < kMaxVms) store(vm_state_[vm], load(vm_state_[vm]) & kStartsMask);
}

bool ChannelTable::running(u32 vm) const { return vm < kMaxVms && (load(vm_state_[vm]) & kRunning) != 0; }
u32 ChannelTable::starts(u32 vm) const { return vm < kMaxVms ? load(vm_state_[vm]) & kStartsMask : 0; }
u32 ChannelTable::peer_state(u32 vm) const { return vm < kMaxVms ? load(vm_state_[vm]) : 0; }

// The doorbell and the pending flag form a handshake with ring(): each side
// writes its word, then reads the other's (sequentially consistent), so at
// least one of them sees both, and the exchange on `pending` lets exactly one
// of them deliver a ring that raced with the doorbell being set.
bool ChannelTable::set_doorbell(Channel& channel, u32 side, u8 vector, u32 vcpu) {
  ChannelEndpoint& end = channel.ends[side & 1];
  store(end.doorbell, doorbell_word(vector, vcpu));
  if (vector == 0 || take(end.pending) == 0) return false;
  bump(end.rings_delivered);
  return true;
}

ChannelRing ChannelTable::ring(u32 vm, u64 handle) {
  ChannelRing out;
  u32 side = 0;
  Channel* channel = by_handle(vm, handle, side);
  if (channel == nullptr) return out;
  ChannelEndpoint& peer = channel->ends[side ^ 1];
  if (!running(peer.vm)) {
    out.kind = ChannelRing::Kind::peer_down;
    return out;
  }
  bump(channel->ends[side].rings_sent);
  u32 bell = load(peer.doorbell);
  if (bell == 0) {
    store(peer.pending, 1);
    bell = load(peer.doorbell);
    if (bell == 0 || take(peer.pending) == 0) {  // not set yet, or set_doorbell took the ring
      out.kind = ChannelRing::Kind::pending;
      return out;
    }
  }
  bump(peer.rings_delivered);
  out.kind = ChannelRing::Kind::deliver;
  out.vm = peer.vm;
  out.vector = static_cast<u8>(bell & 0xff);
  out.vcpu = bell >> 8;
  return out;
}

}  // namespace nucleo

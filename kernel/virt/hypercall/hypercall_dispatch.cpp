// SPDX-License-Identifier: MIT
// One function per hypercall, each checking every argument before it acts
// (docs/hypercalls.md). Order of checks, the same for every function: CPL,
// function number, reserved argument registers (E_INVALID), then ranges
// (E_RANGE) and alignment (E_INVALID), then the work.
#include "kernel/virt/hypercall/hypercall_dispatch.hpp"

#include "kernel/virt/channel/channel_table.hpp"

namespace nucleo {
namespace {

using Action = HypercallResult::Action;

constexpr u64 error(long long e) { return static_cast<u64>(e); }

// The arguments as the caller's mode defines them (SDM Vol. 3A 3.4.1.1:
// outside 64-bit mode a register has 32 bits).
struct Args {
  u64 function, a1, a2, a3, a4;
};

Args decode(const HypercallRegs& r, bool long_mode) {
  const u64 mask = long_mode ? ~u64{0} : u64{0xFFFFFFFF};
  return Args{r.rax & mask, r.rbx & mask, r.rcx & mask, r.rdx & mask, r.rsi & mask};
}

// Every argument register from `first` (1 = RBX ... 4 = RSI) on is reserved.
bool reserved_zero(const Args& a, u32 first) {
  const u64 args[] = {a.a1, a.a2, a.a3, a.a4};
  for (u32 i = first; i <= 4; ++i)
    if (args[i - 1] != 0) return false;
  return true;
}

constexpr bool is_vector(u64 v) { return v >= NUCLEO_HC_VECTOR_MIN && v <= NUCLEO_HC_VECTOR_MAX; }

// Copies a host structure into guest memory at an 8-byte aligned GPA.
u64 copy_out(HypercallEnv& env, u64 gpa, const void* data, usize size) {
  if ((gpa & 7) != 0) return error(NUCLEO_HC_E_INVALID);
  const Span<u8> dst = env.guest_memory(gpa, size);
  if (dst.size() != size) return error(NUCLEO_HC_E_RANGE);
  const u8* src = static_cast<const u8*>(data);
  for (usize i = 0; i < size; ++i) dst[i] = src[i];
  return 0;
}

u64 console_write(HypercallEnv& env, const Args& a) {
  if (a.a2 == 0) return 0;
  if (a.a2 > NUCLEO_HC_CONSOLE_MAX) return error(NUCLEO_HC_E_RANGE);
  const Span<u8> text = env.guest_memory(a.a1, a.a2);
  if (text.size() != a.a2) return error(NUCLEO_HC_E_RANGE);
  env.console_write(Span<const u8>(text.data(), text.size()));
  return a.a2;
}

u64 timer_oneshot(HypercallEnv& env, const Args& a) {
  if (a.a1 >= NUCLEO_HC_TIMER_MAX_DELAY || !is_vector(a.a2)) return error(NUCLEO_HC_E_RANGE);
  env.arm_timer(a.a1, static_cast<u8>(a.a2));
  return 0;
}

u64 read_time(HypercallEnv& env, const Args& a) {
  if (!reserved_zero(a, 2)) return error(NUCLEO_HC_E_INVALID);
  nucleo_hc_time t{};
  t.tsc_hz = env.tsc_hz();
  t.tsc = env.guest_tsc();
  t.wall_clock_ns = env.wall_clock_ns();
  return copy_out(env, a.a1, &t, sizeof t);
}

u64 send_event(HypercallEnv& env, const Args& a) {
  if (!reserved_zero(a, 3)) return error(NUCLEO_HC_E_INVALID);
  if (a.a1 == 0) return error(NUCLEO_HC_E_INVALID);
  const u32 count = env.vcpu_count();
  const u64 valid = count >= 64 ? ~u64{0} : (u64{1} << count) - 1;
  if ((a.a1 & ~valid) != 0 || !is_vector(a.a2)) return error(NUCLEO_HC_E_RANGE);
  env.send_event(a.a1, static_cast<u8>(a.a2));
  return 0;
}

// EXIT_STATS and ISA_STATS: a counters struct copied out whole; RCX is the
// guest's buffer size, at least the struct's.
template <typename Stats, typename Fill>
u64 stats_out(HypercallEnv& env, const Args& a, Fill fill) {
  if (!reserved_zero(a, 3)) return error(NUCLEO_HC_E_INVALID);
  if (a.a2 < sizeof(Stats)) return error(NUCLEO_HC_E_RANGE);
  // Checked before the env does any work; copy_out checks again.
  if ((a.a1 & 7) != 0) return error(NUCLEO_HC_E_INVALID);
  if (env.guest_memory(a.a1, sizeof(Stats)).empty()) return error(NUCLEO_HC_E_RANGE);
  static_assert(sizeof(Stats) < 2048, "kept on the hypervisor stack");
  Stats stats{};
  fill(stats);
  stats.size = sizeof stats;
  const u64 status = copy_out(env, a.a1, &stats, sizeof stats);
  return status != 0 ? status : sizeof stats;
}

u64 exit_stats(HypercallEnv& env, const Args& a) {
  return stats_out<nucleo_hc_exit_stats>(env, a, [&env](nucleo_hc_exit_stats& s) {
    env.exit_stats(s);
    s.reason_count = NUCLEO_HC_STATS_REASONS;
  });
}

u64 isa_stats(HypercallEnv& env, const Args& a) {
  return stats_out<nucleo_hc_isa_stats>(env, a, [&env](nucleo_hc_isa_stats& s) {
    env.isa_stats(s);
    s.proposal_count = env.isa_proposal_count();
  });
}

// MIGRATE_PAGE: one page of the caller's own RAM (channels and the APIC
// page lie outside RAM), 4 KiB aligned; RCX chooses the invalidation.
u64 migrate_page(HypercallEnv& env, const Args& a) {
  if (!reserved_zero(a, 3)) return error(NUCLEO_HC_E_INVALID);
  if (a.a2 != NUCLEO_HC_MIGRATE_BASELINE && a.a2 != NUCLEO_HC_MIGRATE_BINVEPT) return error(NUCLEO_HC_E_INVALID);
  if (env.guest_memory(a.a1 & ~u64{0xFFF}, 4096).size() != 4096) return error(NUCLEO_HC_E_RANGE);
  if ((a.a1 & 0xFFF) != 0) return error(NUCLEO_HC_E_INVALID);
  return static_cast<u64>(env.migrate_page(a.a1, a.a2 == NUCLEO_HC_MIGRATE_BINVEPT));
}

// The channel functions. A VM without channels gets E_NOT_FOUND from a
// lookup and E_RANGE for any handle, like a VM whose channels are elsewhere.
u64 channel_lookup(HypercallEnv& env, const Args& a) {
  if (!reserved_zero(a, 3)) return error(NUCLEO_HC_E_INVALID);
  if (a.a2 == 0 || a.a2 > NUCLEO_HC_CHANNEL_NAME_MAX) return error(NUCLEO_HC_E_RANGE);
  const Span<u8> text = env.guest_memory(a.a1, a.a2);
  if (text.size() != a.a2) return error(NUCLEO_HC_E_RANGE);
  // Copied first: another vCPU may rewrite the name while it is compared.
  char name[NUCLEO_HC_CHANNEL_NAME_MAX];
  for (usize i = 0; i < text.size(); ++i) name[i] = static_cast<char>(text[i]);
  ChannelTable* table = env.channels();
  const i64 handle = table ? table->lookup(env.vm_index(), Str(name, text.size())) : -1;
  return handle < 0 ? error(NUCLEO_HC_E_NOT_FOUND) : static_cast<u64>(handle);
}

Channel* channel_of(HypercallEnv& env, u64 handle, u32& side) {
  ChannelTable* table = env.channels();
  return table ? table->by_handle(env.vm_index(), handle, side) : nullptr;
}

void channel_info(HypercallEnv& env, const Args& a, HypercallRegs& r) {
  u32 side = 0;
  const Channel* channel = reserved_zero(a, 2) ? channel_of(env, a.a1, side) : nullptr;
  if (channel == nullptr) {
    r.rax = error(reserved_zero(a, 2) ? NUCLEO_HC_E_RANGE : NUCLEO_HC_E_INVALID);
    return;
  }
  r.rax = 0;
  r.rbx = channel->ends[side].gpa;
  r.rcx = channel->size;
  r.rdx = env.channels()->peer_state(channel->ends[side ^ 1].vm);
}

u64 channel_doorbell(HypercallEnv& env, const Args& a) {
  if (!reserved_zero(a, 4)) return error(NUCLEO_HC_E_INVALID);
  if (a.a2 == 0 && a.a3 != 0) return error(NUCLEO_HC_E_INVALID);  // no vCPU for a doorbell that is off
  u32 side = 0;
  Channel* channel = channel_of(env, a.a1, side);
  if (channel == nullptr || (a.a2 != 0 && !is_vector(a.a2)) || a.a3 >= env.vcpu_count())
    return error(NUCLEO_HC_E_RANGE);
  const u8 vector = static_cast<u8>(a.a2);
  const u32 vcpu = static_cast<u32>(a.a3);
  if (env.channels()->set_doorbell(*channel, side, vector, vcpu)) env.send_event(u64{1} << vcpu, vector);
  return 0;
}

u64 channel_ring(HypercallEnv& env, const Args& a) {
  if (!reserved_zero(a, 2)) return error(NUCLEO_HC_E_INVALID);
  ChannelTable* table = env.channels();
  if (table == nullptr) return error(NUCLEO_HC_E_RANGE);
  const auto signal = [&env](u32 vm, u32 vcpu, u8 vector) { return env.signal_vm(vm, vcpu, vector); };
  switch (table->ring_and_signal(env.vm_index(), a.a1, signal)) {
    case ChannelRing::Kind::deliver:
    case ChannelRing::Kind::pending:
      return 0;
    case ChannelRing::Kind::peer_down:
      return error(NUCLEO_HC_E_PEER_DOWN);
    case ChannelRing::Kind::bad_handle:
      break;
  }
  return error(NUCLEO_HC_E_RANGE);
}

// RDX is a 32-bit argument: its high half is reserved. vCPU 0 and vCPUs
// the VM does not have are out of range; the caller itself is running, as is
// any vCPU started before, which the env knows (E_INVALID).
u64 vcpu_start(HypercallEnv& env, const Args& a) {
  if (!reserved_zero(a, 4) || (a.a3 >> 32) != 0) return error(NUCLEO_HC_E_INVALID);
  if (a.a1 == 0 || a.a1 >= env.vcpu_count() || a.a2 >= u64{1} << 32 || env.guest_memory(a.a2, 1).empty())
    return error(NUCLEO_HC_E_RANGE);
  if (a.a1 == env.vcpu_index()) return error(NUCLEO_HC_E_INVALID);
  const i64 status = env.start_vcpu(static_cast<u32>(a.a1), a.a2, static_cast<u32>(a.a3));
  if (status == 0) return 0;
  // Only the ABI's error codes reach the guest, whatever the env returns.
  return error(status < 0 && status >= NUCLEO_HC_E_PEER_DOWN ? status : NUCLEO_HC_E_INVALID);
}

HypercallResult complete() { return HypercallResult{}; }
HypercallResult act(Action action, u64 code = 0) { return HypercallResult{action, code}; }

}  // namespace

HypercallResult dispatch_hypercall(HypercallRegs& r, const HypercallCaller& caller, HypercallEnv& env) {
  if (caller.cpl != 0) {
    r.rax = error(NUCLEO_HC_E_PRIVILEGE);
    return complete();
  }
  const Args a = decode(r, caller.long_mode);
  switch (a.function) {
    case NUCLEO_HC_VERSION:
      r.rax = NUCLEO_HC_ABI_VERSION;
      return complete();
    case NUCLEO_HC_CONSOLE_WRITE:
      r.rax = console_write(env, a);
      return complete();
    case NUCLEO_HC_EXIT:
      return act(Action::shutdown, a.a1);
    case NUCLEO_HC_VCPU_INFO:
      r.rax = env.vcpu_index();
      r.rbx = env.vcpu_count();
      return complete();
    case NUCLEO_HC_TIMER_ONESHOT:
      r.rax = timer_oneshot(env, a);
      return complete();
    case NUCLEO_HC_TIME:
      r.rax = read_time(env, a);
      return complete();
    case NUCLEO_HC_SEND_EVENT:
      r.rax = send_event(env, a);
      return complete();
    case NUCLEO_HC_BLOCK:
    case NUCLEO_HC_YIELD:
    case NUCLEO_HC_REBOOT: {
      if (!reserved_zero(a, 1)) {
        r.rax = error(NUCLEO_HC_E_INVALID);
        return complete();
      }
      r.rax = 0;
      return act(a.function == NUCLEO_HC_BLOCK   ? Action::block
                 : a.function == NUCLEO_HC_YIELD ? Action::yield
                                                 : Action::reboot);
    }
    case NUCLEO_HC_EXIT_STATS:
      r.rax = exit_stats(env, a);
      return complete();
    case NUCLEO_HC_ISA_STATS:
      r.rax = isa_stats(env, a);
      return complete();
    case NUCLEO_HC_CHANNEL_LOOKUP:
      r.rax = channel_lookup(env, a);
      return complete();
    case NUCLEO_HC_CHANNEL_INFO:
      channel_info(env, a, r);
      return complete();
    case NUCLEO_HC_CHANNEL_DOORBELL:
      r.rax = channel_doorbell(env, a);
      return complete();
    case NUCLEO_HC_CHANNEL_RING:
      r.rax = channel_ring(env, a);
      return complete();
    case NUCLEO_HC_VCPU_START:
      r.rax = vcpu_start(env, a);
      return complete();
    case NUCLEO_HC_MIGRATE_PAGE:
      r.rax = migrate_page(env, a);
      return complete();
    default:
      r.rax = error(NUCLEO_HC_E_UNKNOWN);
      return complete();
  }
}

}  // namespace nucleo

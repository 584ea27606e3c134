// SPDX-License-Identifier: MIT
// A HypercallEnv for host tests and the hypercall fuzzer: guest RAM is one
// heap block of exactly the VM's size (so ASan flags any byte past it), every
// span handed out is recorded and checked to lie inside it, and every action
// the dispatcher asks for is recorded instead of carried out.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "kernel/virt/channel/channel_table.hpp"
#include "kernel/virt/hypercall/hypercall_env.hpp"

namespace nucleo {

class FakeHypercallEnv final : public HypercallEnv {
 public:
  explicit FakeHypercallEnv(usize ram_size = 64 * 1024) : ram(ram_size) {}

  Span<u8> guest_memory(u64 gpa, u64 length) override {
    ++memory_requests;
    if (gpa > ram.size() || length > ram.size() - gpa) return {};
    Span<u8> span(ram.data() + gpa, static_cast<usize>(length));
    spans_inside = spans_inside && span.data() >= ram.data() && span.end() <= ram.data() + ram.size();
    return span;
  }
  void console_write(Span<const u8> text) override { console.append(text.begin(), text.end()); }
  u32 vcpu_index() override { return index; }
  u32 vcpu_count() override { return count; }
  u64 tsc_hz() override { return hz; }
  u64 guest_tsc() override { return tsc; }
  u64 wall_clock_ns() override { return wall_ns; }
  void arm_timer(u64 delay_tsc, u8 vector) override { timers.emplace_back(delay_tsc, vector); }
  void send_event(u64 vcpu_mask, u8 vector) override { events.emplace_back(vcpu_mask, vector); }
  void exit_stats(nucleo_hc_exit_stats& out) override {
    ++stats_calls;
    out.total_exits = 1234;
    out.hypercalls = 56;
    out.interrupts_injected = 7;
    out.count[18] = 56;  // VMCALL
    out.tsc[18] = 5600;
  }
  void isa_stats(nucleo_hc_isa_stats& out) override {
    ++isa_stats_calls;
    out.executed[0] = 12;
    out.elided_exits[1] = 34;
  }
  u32 isa_proposal_count() override { return 4; }
  ChannelTable* channels() override { return table; }
  u32 vm_index() override { return vm; }
  bool signal_vm(u32 target_vm, u32 vcpu, u8 vector) override {
    signals.push_back(Signal{target_vm, vcpu, vector});
    return signal_ok;
  }

  // Like a VM whose vCPUs in `started` run (vCPU 0 from the start): each
  // call is recorded, a second start of the same vCPU refused; a nonzero
  // start_status is returned instead, as an env with other failures would.
  i64 start_vcpu(u32 vcpu, u64 entry, u32 arg) override {
    const bool again = vcpu < 64 && (started >> vcpu & 1) != 0;
    starts.push_back(Start{vcpu, entry, arg, again || start_status != 0});
    if (start_status != 0) return start_status;
    if (again) return NUCLEO_HC_E_INVALID;
    if (vcpu < 64) started |= u64{1} << vcpu;
    return 0;
  }

  // Like a VM with room for NUCLEO_HC_MIGRATE_MAX_PAGES moved pages: each
  // call recorded; a page moved before moves again without taking room.
  i64 migrate_page(u64 gpa, bool binvept) override {
    migrations.push_back(Migration{gpa, binvept});
    bool known = false;
    for (u64 g : moved) known = known || g == gpa;
    if (!known && moved.size() == NUCLEO_HC_MIGRATE_MAX_PAGES) return NUCLEO_HC_E_RANGE;
    if (!known) moved.push_back(gpa);
    return 0;
  }

  struct Migration {
    u64 gpa;
    bool binvept;
    bool operator==(const Migration&) const = default;
  };

  struct Start {
    u32 vcpu;
    u64 entry;
    u32 arg;
    bool refused;
    bool operator==(const Start&) const = default;
  };

  struct Signal {
    u32 vm, vcpu;
    u8 vector;
    bool operator==(const Signal&) const = default;
  };

  std::vector<u8> ram;
  u32 index = 0, count = 1;
  u64 hz = 2'000'000'000, tsc = 0, wall_ns = 0;
  ChannelTable* table = nullptr;
  u32 vm = 0;
  bool signal_ok = true;
  u64 started = 1;
  i64 start_status = 0;

  std::string console;
  std::vector<std::pair<u64, u8>> timers;
  std::vector<std::pair<u64, u8>> events;
  std::vector<Signal> signals;
  std::vector<Start> starts;
  std::vector<Migration> migrations;
  std::vector<u64> moved;
  u32 stats_calls = 0;
  u32 isa_stats_calls = 0;
  u64 memory_requests = 0;
  bool spans_inside = true;
};

}  // namespace nucleo

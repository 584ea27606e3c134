// SPDX-License-Identifier: MIT
// One hypercall through dispatch_hypercall against the fake environment,
// for the dispatcher's test files.
#pragma once

#include <gtest/gtest.h>

#include <cstring>
#include <string>

#include "host-tests/kernel/virt/hypercall/fake_hypercall_env.hpp"
#include "kernel/virt/hypercall/hypercall_dispatch.hpp"

namespace nucleo::hypercall_test {

using Action = HypercallResult::Action;

constexpr u64 err(long long e) { return static_cast<u64>(e); }

struct Rig {
  FakeHypercallEnv env;
  HypercallRegs regs;
  HypercallCaller caller;
  HypercallResult result;

  u64 call(u64 function, u64 rbx = 0, u64 rcx = 0, u64 rdx = 0, u64 rsi = 0) {
    regs = HypercallRegs{function, rbx, rcx, rdx, rsi};
    result = dispatch_hypercall(regs, caller, env);
    return regs.rax;
  }
  void put(u64 gpa, const std::string& text) { std::memcpy(env.ram.data() + gpa, text.data(), text.size()); }
  bool nothing_done() const {
    return env.console.empty() && env.timers.empty() && env.events.empty() && env.signals.empty() &&
           env.stats_calls == 0 && env.isa_stats_calls == 0 && env.starts.empty() && env.migrations.empty();
  }
};

}  // namespace nucleo::hypercall_test

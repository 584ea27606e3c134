// SPDX-License-Identifier: MIT
// Test rig for the virtual local APIC: a clock moved by hand, a recording
// IpiSink, and a VM of N vCPUs whose local APICs are connected to each
// other (the sink forwards to the target's accept(), as the integrator's
// does, and records every delivery).
#pragma once

#include <memory>
#include <vector>

#include "kernel/virt/lapic/virtual_lapic.hpp"

namespace nucleo::lapic_test {

using namespace vlapic;

class FakeClock final : public GuestClock {
 public:
  u64 tsc() const override { return now; }
  u64 tsc_hz() const override { return hz; }
  u64 now = 1000;
  u64 hz = 1000000000;  // 1 GHz: one TSC tick per nanosecond
};

struct Delivery {
  u32 target;
  IpiKind kind;
  u8 vector;
  bool operator==(const Delivery&) const = default;
};

class RecordingSink final : public IpiSink {
 public:
  void deliver(u32 target, IpiKind kind, u8 vector) override {
    log.push_back({target, kind, vector});
    if (forward_to != nullptr && target < forward_to->size() && (*forward_to)[target] != nullptr)
      (*forward_to)[target]->accept(vector, kind);
  }
  std::vector<Delivery> log;
  const std::vector<VirtualLapic*>* forward_to = nullptr;
};

struct LapicVm {
  explicit LapicVm(u32 vcpus, u64 timer_hz = 0) {
    pages = std::make_unique<LapicPage[]>(vcpus);
    for (u32 i = 0; i < vcpus; ++i) {
      LapicConfig config;
      config.id = i;
      config.vcpu_count = vcpus;
      config.timer_hz = timer_hz;
      owned.push_back(std::make_unique<VirtualLapic>(pages[i], clock, config));
      lapics.push_back(owned.back().get());
    }
    sink.forward_to = &lapics;
    for (VirtualLapic* l : lapics) l->connect(Span<VirtualLapic* const>(lapics.data(), lapics.size()), &sink);
  }
  VirtualLapic& operator[](u32 i) { return *lapics[i]; }
  // Software-enable every APIC (SVR bit 8, spurious vector 0xFF).
  void enable_all() {
    for (VirtualLapic* l : lapics) l->write(kSvr, 0x1FF);
  }

  FakeClock clock;
  std::unique_ptr<LapicPage[]> pages;
  std::vector<std::unique_ptr<VirtualLapic>> owned;
  std::vector<VirtualLapic*> lapics;
  RecordingSink sink;
};

// One enabled APIC alone in its VM.
struct OneLapic : LapicVm {
  OneLapic() : LapicVm(1) { enable_all(); }
  VirtualLapic& apic() { return *lapics[0]; }
  bool irr(u8 v) { return pages[0].test(kIrr, v); }
  bool isr(u8 v) { return pages[0].test(kIsr, v); }
};

}  // namespace nucleo::lapic_test

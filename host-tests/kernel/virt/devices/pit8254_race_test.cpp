// SPDX-License-Identifier: MIT
// Issue 13, hole 6: vCPU 0 computing channel 0's next IRQ deadline while a
// sibling reprograms the PIT. The computation used to round up in a loop
// that re-read the live channel's base on every step, so a count written
// in the middle (base moved far ahead) made it spin for as many steps as
// the base moved: vCPU 0's core hung. Here the "sibling" writes from inside
// the clock the computation reads (the one point where it looks outside
// itself); the computation must end after a bounded number of clock reads
// with a deadline of one of the two programmings. And the virtual PC runs
// the timers' work under the I/O-bus lock, so a real sibling cannot.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <thread>

#include "kernel/lib/mul_div.hpp"
#include "kernel/virt/devices/pit8254.hpp"
#include "kernel/virt/pc_platform.hpp"

namespace nucleo {
namespace {

struct HookedClock final : GuestClock {
  u64 now = 1'000'000;
  u64 hz = 2'400'000'000;  // not a multiple of the input clock: rounding matters
  mutable u64 hz_reads = 0;
  mutable std::function<void()> on_hz_read;  // runs once, on the next read
  u64 tsc() const override { return now; }
  u64 tsc_hz() const override {
    ++hz_reads;
    if (on_hz_read) {
      auto hook = std::move(on_hz_read);
      on_hz_read = nullptr;
      hook();
    }
    return hz;
  }
};

struct NoIrqs final : IrqLines {
  void set_irq(u32, bool) override {}
};

void program_channel0(Pit8254& pit, u16 count) {
  ASSERT_TRUE(pit.io_out(Pit8254::kControl, 1, 0x34));  // channel 0, LSB then MSB, mode 2
  ASSERT_TRUE(pit.io_out(Pit8254::kChannel0, 1, count & 0xFF));
  ASSERT_TRUE(pit.io_out(Pit8254::kChannel0, 1, count >> 8));
}

TEST(PitRace, GivenChannel0ReprogrammedFarLaterDuringTheDeadlineComputationThenItEndsWithABoundedNumberOfReads) {
  HookedClock clock;
  NoIrqs irqs;
  Pit8254 pit(clock, irqs);
  program_channel0(pit, 1000);
  const u64 before = pit.next_irq_deadline_tsc();
  ASSERT_NE(before, 0u);
  // The sibling's count write lands mid-computation, with the guest TSC a
  // day later: the old loop would have stepped through 2e14 TSC values.
  clock.on_hz_read = [&] {
    clock.now += 86400ull * clock.hz;
    program_channel0(pit, 1000);
  };
  clock.hz_reads = 0;
  const u64 during = pit.next_irq_deadline_tsc();
  EXPECT_LE(clock.hz_reads, 4u) << "no loop over the clock";
  const u64 after = pit.next_irq_deadline_tsc();
  EXPECT_TRUE(during == before || during == after) << during << " is neither programming's deadline";
  // And the deadline is exact: the first TSC at which the edge's pulse is
  // reached (pulse 1001 after the write: the load pulse, then 1000 counts).
  const u64 d = after - clock.now;
  EXPECT_GE(mul_div(d, Pit8254::kInputHz, clock.hz), 1001u);
  EXPECT_LT(mul_div(d - 1, Pit8254::kInputHz, clock.hz), 1001u);
}

TEST(MulDivInverse, GivenRatesAndCountsThenItIsTheFirstValueThatReachesTheCount) {
  const u64 rates[][2] = {{Pit8254::kInputHz, 2'400'000'000}, {3, 7}, {1024, 1'000'000'007}, {7, 3}, {1, 1}};
  for (const auto& [b, c] : rates) {
    for (u64 n : {u64{1}, u64{2}, u64{999}, u64{65537}, u64{1} << 40}) {
      const u64 x = mul_div_inverse(n, b, c);
      EXPECT_GE(mul_div(x, b, c), n) << n << " " << b << "/" << c;
      EXPECT_LT(mul_div(x - 1, b, c), n) << n << " " << b << "/" << c;
    }
  }
  EXPECT_EQ(mul_div_inverse(5, 0, 7), UINT64_MAX) << "a clock that never counts never reaches it";
}

// The virtual PC's deadline and poll hold the I/O-bus lock: while another
// core holds it (an access in progress), they wait.
TEST(PitRace, GivenTheBusLockHeldByAnotherCoreWhenVcpu0PollsThenItWaitsForTheAccessToEnd) {
  HookedClock clock;
  Vm vm;
  std::vector<u8> ram(2 * MiB);
  vm.ram = ram.data();
  vm.ram_size = ram.size();
  PcPlatform pc(vm, clock, CmosRtc::Config{});
  PcPlatformSetup setup;
  setup.devices = device_bit(Device::pit) | device_bit(Device::pic);
  ASSERT_TRUE(pc.attach(setup).ok());
  std::atomic<bool> holding{false}, release{false}, polled{false};
  std::thread sibling([&] {
    vm.io.locked([&] {
      holding = true;
      while (!release) std::this_thread::yield();
      return 0;
    });
  });
  while (!holding) std::this_thread::yield();
  std::thread vcpu0([&] {
    (void)pc.next_deadline_tsc();
    pc.poll(clock.now);
    polled = true;
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_FALSE(polled) << "the poll ran beside another core's device access";
  release = true;
  sibling.join();
  vcpu0.join();
  EXPECT_TRUE(polled);
}

}  // namespace
}  // namespace nucleo

// SPDX-License-Identifier: MIT
// The VM console's queue to the host console (kernel/virt/console_queue.*):
// lines leave in order, a full queue drops and counts, a busy console
// leaves lines queued until a later drain, one drainer at a time, and a
// half-full queue waits its turn instead of losing lines.
#include "kernel/virt/console_queue.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

namespace nucleo {
namespace {

class Recorder final : public ConsoleLineWriter {
 public:
  bool write_line(Str vm_name, Str text, bool wait) override {
    waits.push_back(wait);
    if (busy && !wait) return false;
    lines.push_back(std::string(vm_name.data(), vm_name.size()) + ":" + std::string(text.data(), text.size()));
    return true;
  }
  bool busy = false;
  std::vector<std::string> lines;
  std::vector<bool> waits;
};

void queue_lines(ConsoleQueue& q, int first, int count) {
  for (int i = first; i < first + count; ++i) {
    const std::string text = "line " + std::to_string(i);
    q.line("vm", Str(text.data(), text.size()));
  }
}

TEST(ConsoleQueue, GivenLinesWhenDrainedThenTheyLeaveInOrderAndTheQueueIsEmpty) {
  ConsoleQueue q;
  Recorder out;
  queue_lines(q, 0, 3);
  EXPECT_TRUE(q.pending());
  EXPECT_EQ(q.drain(out, false), 3u);
  EXPECT_EQ(out.lines, (std::vector<std::string>{"vm:line 0", "vm:line 1", "vm:line 2"}));
  EXPECT_FALSE(q.pending());
  EXPECT_EQ(q.written(), 3u);
  EXPECT_EQ(q.dropped(), 0u);
}

TEST(ConsoleQueue, GivenAFullQueueWhenMoreLinesComeThenTheyAreDroppedAndCounted) {
  ConsoleQueue q;
  Recorder out;
  queue_lines(q, 0, ConsoleQueue::kLines + 5);
  EXPECT_EQ(q.dropped(), 5u);
  EXPECT_EQ(q.drain(out, true), ConsoleQueue::kLines);
  ASSERT_EQ(out.lines.size(), ConsoleQueue::kLines);
  EXPECT_EQ(out.lines.back(), "vm:line " + std::to_string(ConsoleQueue::kLines - 1));  // the oldest kept
}

TEST(ConsoleQueue, GivenABusyConsoleWhenDrainedWithoutWaitingThenTheLineStaysForTheNextDrain) {
  ConsoleQueue q;
  Recorder out;
  out.busy = true;
  queue_lines(q, 0, 2);
  EXPECT_EQ(q.drain(out, false), 0u);
  EXPECT_TRUE(q.pending());
  out.busy = false;
  EXPECT_EQ(q.drain(out, false), 2u);
  EXPECT_EQ(out.lines, (std::vector<std::string>{"vm:line 0", "vm:line 1"}));
}

TEST(ConsoleQueue, GivenAHalfFullQueueWhenDrainedWithoutWaitingThenItWaitsItsTurnUntilBelowHalf) {
  ConsoleQueue q;
  Recorder out;
  out.busy = true;
  queue_lines(q, 0, ConsoleQueue::kLines / 2 + 2);
  EXPECT_EQ(q.drain(out, false), 3u);  // waited for 3 lines, then the busy console refused
  EXPECT_EQ(out.waits, (std::vector<bool>{true, true, true, false}));
  EXPECT_EQ(q.dropped(), 0u);
}

// A sibling vCPU that queues a line for every line written: without
// `wait`, the drainer still returns after one queue's worth.
class RefillingWriter final : public ConsoleLineWriter {
 public:
  explicit RefillingWriter(ConsoleQueue& q) : q_(q) {}
  bool write_line(Str, Str, bool) override {
    q_.line("vm", "more");
    ++written;
    return true;
  }
  u32 written = 0;

 private:
  ConsoleQueue& q_;
};

TEST(ConsoleQueue, GivenASiblingThatRefillsWhenDrainedWithoutWaitingThenAtMostOneQueueWorthLeaves) {
  ConsoleQueue q;
  RefillingWriter out(q);
  queue_lines(q, 0, 1);
  EXPECT_EQ(q.drain(out, false), ConsoleQueue::kLines);
  EXPECT_EQ(out.written, ConsoleQueue::kLines);
  EXPECT_TRUE(q.pending());
}

TEST(ConsoleQueue, GivenALongLineWhenQueuedThenItIsCutAtTheLineLimit) {
  ConsoleQueue q;
  Recorder out;
  const std::string text(VmConsole::kLineLimit + 50, 'x');
  q.line("vm", Str(text.data(), text.size()));
  (void)q.drain(out, true);
  ASSERT_EQ(out.lines.size(), 1u);
  EXPECT_EQ(out.lines[0].size(), 3 + VmConsole::kLineLimit);
}

TEST(ConsoleQueue, GivenAnIdleDrainerWhenLinesAreQueuedThenTheVcpuDrainsOnlyOnceHalfFull) {
  ConsoleQueue q;
  EXPECT_FALSE(q.vcpu_should_drain(false));  // nothing queued
  queue_lines(q, 0, 1);
  EXPECT_TRUE(q.vcpu_should_drain(false));   // no idle core: the vCPU's job
  EXPECT_FALSE(q.vcpu_should_drain(true));   // the idle core's
  queue_lines(q, 1, ConsoleQueue::kLines / 2 - 1);
  EXPECT_TRUE(q.vcpu_should_drain(true));    // half full: before it drops
}

// A VmConsole feeding the queue from two "vCPUs" while a third thread
// drains: every line arrives whole and in each writer's order, or is
// counted as dropped.
class SlowWriter final : public ConsoleLineWriter {
 public:
  bool write_line(Str, Str text, bool) override {
    lines.emplace_back(text.data(), text.size());
    return true;
  }
  std::vector<std::string> lines;
};

TEST(ConsoleQueue, GivenTwoWritersAndADrainerWhenTheyRaceThenLinesAreWholeOrderedOrCounted) {
  ConsoleQueue q;
  VmConsole console;
  console.name = "vm";
  console.sink = &q;
  SlowWriter out;
  constexpr int kLinesEach = 2000;
  std::atomic<int> writers{2};
  auto vcpu = [&](char who) {
    for (int i = 0; i < kLinesEach; ++i) {
      const std::string text = std::string(1, who) + std::to_string(i) + "\n";
      console.write(Str(text.data(), text.size()));
    }
    --writers;
  };
  std::thread drainer([&] {
    while (writers.load() > 0) (void)q.drain(out, false);
    (void)q.drain(out, true);
  });
  std::thread a(vcpu, 'a'), b(vcpu, 'b');
  a.join();
  b.join();
  drainer.join();
  EXPECT_EQ(out.lines.size() + q.dropped(), 2u * kLinesEach);
  int last_a = -1, last_b = -1;
  for (const std::string& l : out.lines) {
    int& last = l[0] == 'a' ? last_a : last_b;
    const int n = std::stoi(l.substr(1));
    EXPECT_GT(n, last) << l;
    last = n;
  }
}

}  // namespace
}  // namespace nucleo

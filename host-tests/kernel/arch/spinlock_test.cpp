// SPDX-License-Identifier: MIT
#include "kernel/arch/spinlock.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <thread>
#include <vector>

namespace nucleo {
namespace {

// A fair spinlock convoys when a waiter holding the next ticket is
// descheduled, which a busy 2-core host does often: the thread tests keep
// their iteration counts small, and this watchdog turns a lock that never
// hands over into a failure with a message after 120 s instead of a hang
// until CTest's timeout.
class Watchdog {
 public:
  explicit Watchdog(const char* what) : thread_([this, what] {
    std::unique_lock<std::mutex> lock(mutex_);
    if (!done_cv_.wait_for(lock, std::chrono::seconds(120), [this] { return done_; })) {
      std::fprintf(stderr, "TicketLock test '%s' made no end in 120 s: a lost handover or a deadlock\n", what);
      std::abort();
    }
  }) {}
  ~Watchdog() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      done_ = true;
    }
    done_cv_.notify_one();
    thread_.join();
  }

 private:
  std::mutex mutex_;
  std::condition_variable done_cv_;
  bool done_ = false;
  std::thread thread_;
};

TEST(TicketLock, GivenTwoThreadsWhenEachIncrements20kTimesUnderTheLockThenNoIncrementIsLost) {
  const Watchdog watchdog("two threads");
  TicketLock lock;
  // A plain (non-atomic) read-modify-write split in two so a missing mutual
  // exclusion loses updates quickly.
  volatile u64 counter = 0;
  // Few iterations: a FIFO ticket lock hands over to waiters in order, and on
  // an oversubscribed host a descheduled waiter stalls everyone behind it.
  constexpr int kIterations = 20000;
  auto work = [&] {
    for (int i = 0; i < kIterations; ++i) {
      lock.lock();
      const u64 seen = counter;
      counter = seen + 1;
      lock.unlock();
    }
  };
  std::thread a(work), b(work);
  a.join();
  b.join();
  const u64 total = counter;
  EXPECT_EQ(total, 2u * kIterations);
}

TEST(TicketLock, GivenFourThreadsUsingLockGuardWhenDoneThenTheSumIsExact) {
  const Watchdog watchdog("four threads");
  TicketLock lock;
  u64 counter = 0;
  std::vector<std::thread> threads;
  const unsigned n = std::max(2u, std::min(4u, std::thread::hardware_concurrency()));
  for (unsigned t = 0; t < n; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < 5000; ++i) {
        LockGuard guard(lock);
        ++counter;
      }
    });
  for (std::thread& t : threads) t.join();
  LockGuard guard(lock);  // and the lock is free again afterwards
  EXPECT_EQ(counter, 5000u * n);
}

TEST(TicketLock, GivenLockHeldWhenAnotherThreadLocksThenItWaitsForUnlock) {
  const Watchdog watchdog("waits for unlock");
  TicketLock lock;
  std::atomic<bool> entered{false};
  lock.lock();
  std::thread waiter([&] {
    lock.lock();
    entered = true;
    lock.unlock();
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_FALSE(entered.load());
  lock.unlock();
  waiter.join();
  EXPECT_TRUE(entered.load());
}

TEST(TicketLock, GivenHolderDiedWhenForceReleasedThenTheLockCanBeTakenAgain) {
  TicketLock lock;
  lock.lock();  // never unlocked: the "dead CPU"
  lock.force_release();
  lock.lock();  // would spin forever without force_release
  lock.unlock();
  SUCCEED();
}

TEST(TicketLock, GivenAFreeLockWhenTriedThenTakenAndATryWhileHeldFailsWithoutQueueing) {
  TicketLock lock;
  ASSERT_TRUE(lock.try_lock());
  EXPECT_FALSE(lock.try_lock());  // held: refused, and no ticket drawn
  lock.unlock();
  ASSERT_TRUE(lock.try_lock());    // would wait forever had the failed try drawn a ticket
  lock.unlock();
  LockGuard guard(lock);
  SUCCEED();
}

}  // namespace
}  // namespace nucleo

// SPDX-License-Identifier: MIT
#include "kernel/arch/spinlock.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <algorithm>
#include <chrono>
#include <thread>
#include <vector>

namespace nucleo {
namespace {

TEST(TicketLock, GivenTwoThreadsWhenEachIncrements20kTimesUnderTheLockThenNoIncrementIsLost) {
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

}  // namespace
}  // namespace nucleo

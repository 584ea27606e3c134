// SPDX-License-Identifier: MIT
#include "kernel/selftest.hpp"

#include "kernel/console/log.hpp"
#include "kernel/panic.hpp"

namespace nucleo {

void run_selftest(const Cmdline& cmdline) {
  Str which;
  if (!cmdline.value("selftest", which)) return;
  log::info("selftest: {}", which);
  if (which == "ud") {
    asm volatile("ud2");
  } else if (which == "pf") {
    // Canonical, never mapped: below the direct map, above the identity map.
    volatile u64* p = reinterpret_cast<volatile u64*>(0x00007F0000000000);
    (void)*p;
  } else if (which == "panic") {
    panic("selftest: panic requested on the command line");
  } else {
    log::error("selftest: unknown test \"{}\" (known: ud, pf, panic)", which);
    finish(ExitCode::selftest_failed, "error");
  }
  log::error("selftest: {} returned instead of faulting", which);
  finish(ExitCode::selftest_failed, "error");
}

}  // namespace nucleo

// SPDX-License-Identifier: MIT
// An invariant of a fuzz target: a trap, which libFuzzer reports with the
// input that broke it (no gtest in fuzz targets).
#pragma once

#define NUCLEO_FUZZ_CHECK(cond)    \
  do {                             \
    if (!(cond)) __builtin_trap(); \
  } while (0)

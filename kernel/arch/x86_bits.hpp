// SPDX-License-Identifier: MIT
// Architectural bits of the control registers, EFER and RFLAGS, named once
// for the host code and for the code that emulates them for guests.
// SDM Vol. 3A 2.5 (CR0, CR4), 2.2.1 (EFER); Vol. 1 3.4.3 (RFLAGS). Pure.
#pragma once

#include "kernel/lib/types.hpp"

namespace nucleo::x86 {

constexpr u64 kCr0Pe = 1u << 0, kCr0Ts = 1u << 3, kCr0Ne = 1u << 5, kCr0Wp = 1u << 16;
constexpr u64 kCr0Nw = 1u << 29, kCr0Cd = 1u << 30, kCr0Pg = 1u << 31;

constexpr u64 kCr4Pse = 1u << 4, kCr4Pae = 1u << 5, kCr4La57 = 1u << 12, kCr4Vmxe = 1u << 13;
constexpr u64 kCr4Pcide = 1u << 17, kCr4Osxsave = 1u << 18, kCr4Cet = 1u << 23;

constexpr u64 kEferSce = 1u << 0, kEferLme = 1u << 8, kEferLma = 1u << 10, kEferNxe = 1u << 11;

constexpr u64 kRflagsFixed = 1u << 1, kRflagsTf = 1u << 8, kRflagsIf = 1u << 9, kRflagsDf = 1u << 10;
constexpr u64 kRflagsVm = 1u << 17;

}  // namespace nucleo::x86

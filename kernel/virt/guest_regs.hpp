// SPDX-License-Identifier: MIT
// The guest's general registers as the exit stub saves them (RSP and RIP
// live in the VMCS on VT-x, in the VMCB on SVM). Vendor-neutral.
#pragma once

#include "kernel/lib/types.hpp"

namespace nucleo {

struct GuestRegs {
  u64 rax, rcx, rdx, rbx, rbp, rsi, rdi, r8, r9, r10, r11, r12, r13, r14, r15;

  // GPR by the 4-bit number instructions and exit qualifications use
  // (0 = RAX ... 15 = R15; 4 = RSP is not here and reads as 0).
  u64 get(u32 n) const;
  void set(u32 n, u64 value);
};
static_assert(sizeof(GuestRegs) == 15 * 8);
// Offsets used by vmx/hw/exit_stub.S.
static_assert(__builtin_offsetof(GuestRegs, rax) == 0);
static_assert(__builtin_offsetof(GuestRegs, rdi) == 6 * 8);
static_assert(__builtin_offsetof(GuestRegs, r15) == 14 * 8);

inline u64 GuestRegs::get(u32 n) const {
  switch (n & 15) {
    case 0: return rax;
    case 1: return rcx;
    case 2: return rdx;
    case 3: return rbx;
    case 4: return 0;
    case 5: return rbp;
    case 6: return rsi;
    case 7: return rdi;
    case 8: return r8;
    case 9: return r9;
    case 10: return r10;
    case 11: return r11;
    case 12: return r12;
    case 13: return r13;
    case 14: return r14;
    default: return r15;
  }
}

inline void GuestRegs::set(u32 n, u64 v) {
  switch (n & 15) {
    case 0: rax = v; break;
    case 1: rcx = v; break;
    case 2: rdx = v; break;
    case 3: rbx = v; break;
    case 4: break;
    case 5: rbp = v; break;
    case 6: rsi = v; break;
    case 7: rdi = v; break;
    case 8: r8 = v; break;
    case 9: r9 = v; break;
    case 10: r10 = v; break;
    case 11: r11 = v; break;
    case 12: r12 = v; break;
    case 13: r13 = v; break;
    case 14: r14 = v; break;
    default: r15 = v; break;
  }
}

}  // namespace nucleo

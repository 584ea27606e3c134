/* SPDX-License-Identifier: MIT */
/* guest/hypercall.h: VMCALL with the nucleo ABI's registers
 * (docs/hypercalls.md, guests/include/nucleo/hypercall.h): the function in
 * EAX/RAX, arguments in EBX, ECX, EDX, ESI (RBX, RCX, RDX, RSI), the result
 * in EAX/RAX, and more in EBX, ECX, EDX where a function returns more.
 * Outside 64-bit mode only the low 32 bits of each register count. Only
 * guests that are paravirtualized, or that read the EXIT_STATS meter,
 * include this. */
#ifndef GUEST_HYPERCALL_H
#define GUEST_HYPERCALL_H

#include <guest/types.h>
#include <nucleo/hypercall.h>

struct hc_out {
  uptr rbx, rcx, rdx;
};
static inline iptr hypercall(uptr function, uptr a1, uptr a2, uptr a3, uptr a4, struct hc_out* out) {
  uptr rax = function, rbx = a1, rcx = a2, rdx = a3;
  __asm__ volatile("vmcall" : "+a"(rax), "+b"(rbx), "+c"(rcx), "+d"(rdx) : "S"(a4) : "memory");
  if (out) out->rbx = rbx, out->rcx = rcx, out->rdx = rdx;
  return (iptr)rax;
}
static inline iptr hc0(uptr function) { return hypercall(function, 0, 0, 0, 0, 0); }
static inline iptr hc1(uptr function, uptr a1) { return hypercall(function, a1, 0, 0, 0, 0); }
static inline iptr hc2(uptr function, uptr a1, uptr a2) { return hypercall(function, a1, a2, 0, 0, 0); }
static inline iptr hc3(uptr function, uptr a1, uptr a2, uptr a3) { return hypercall(function, a1, a2, a3, 0, 0); }

#endif

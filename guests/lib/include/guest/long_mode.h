/* SPDX-License-Identifier: MIT */
/* guest/long_mode.h: a 64-bit guest started by lib/long_mode.S (with
 * mb2_header.S). The first 4 GiB are identity-mapped with 2 MiB pages, so a
 * guest-physical address below 4 GiB is a pointer (the APIC page too).
 *
 *   vCPU 0       from the loader: guest_main(u32 magic, u64 info)
 *   other vCPUs  from NUCLEO_HC_VCPU_START at ap_entry32 with the argument
 *                = their index (EBX): guest_ap_main(u32 eax, u32 index),
 *                on stack `index`; an index >= GUEST_MAX_VCPUS halts.
 *
 * vCPU i runs on [guest_stacks + i * GUEST_STACK_SIZE, + GUEST_STACK_SIZE),
 * so the stack pointer says which vCPU this is, in handlers too. */
#ifndef GUEST_LONG_MODE_H
#define GUEST_LONG_MODE_H

/* Also read by long_mode.S. */
#define GUEST_MAX_VCPUS 8
#define GUEST_STACK_SIZE 16384

#ifndef __ASSEMBLER__
#include <guest/types.h>

extern u64 guest_pml4[512]; /* CR3: shared by every vCPU */
extern u8 guest_stacks[];
extern const u8 ap_entry32[];

static inline u32 this_vcpu(void) {
  uptr sp;
  __asm__ volatile("mov %%rsp, %0" : "=r"(sp));
  return (u32)((sp - (uptr)guest_stacks) / GUEST_STACK_SIZE);
}
#endif

#endif

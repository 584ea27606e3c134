/* SPDX-License-Identifier: MIT */
/* guest/idt.h: one IDT for every CPU of the guest (interrupt gates, SDM
 * Vol. 3A 6.11 and 6.14), each vector's stub (lib/idt32.S for a 32-bit
 * guest, lib/idt64.S for a 64-bit one, both with lib/idt.c) saving the
 * registers, calling a plain C handler and returning with IRET.
 *
 *   exceptions 0-31  without a handler of the guest's: one line
 *                    "exception: FAIL #GP (vector 13, error code 0x0) at
 *                    EIP 0x... on APIC ID 0" (64-bit: "at RIP 0x...,
 *                    RSP 0x..."), then guest_exit() with the code
 *                    idt_set_exception_code() chose
 *   LAPIC_SPURIOUS_VECTOR (0xff), without a handler: ignored (no EOI for a
 *                    spurious interrupt, SDM Vol. 3A 11.9)
 *   other vectors    without a handler: counted in g_idt_unexpected, no EOI
 *                    (the library does not know the interrupt controller)
 *
 * A handler does its own EOI. Gates are interrupt gates: IF is 0 inside. */
#ifndef GUEST_IDT_H
#define GUEST_IDT_H

#include <guest/types.h>

/* Fills the IDT and loads it on this CPU (the BSP). */
void idt_init(void);
/* Every other CPU loads the same IDT (smp.c does it for the APs). */
void idt_load(void);
/* handler runs for `vector` (any of 0-255; 2 is the NMI). */
void idt_set(u8 vector, void (*handler)(void));
/* The exit code of an unexpected exception (default 0xff). */
void idt_set_exception_code(u32 code);
/* Runs fn with exception `vector` expected: if an instruction in it raises
 * it, that instruction (`length` bytes) is skipped and the result is true.
 * For probing what a CPU (or a VM) has; one vCPU at a time. */
bool idt_expect_fault(u8 vector, u32 length, void (*fn)(void));
extern volatile u32 g_idt_unexpected;

#endif

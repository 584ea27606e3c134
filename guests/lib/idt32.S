/* SPDX-License-Identifier: MIT */
/* The 256 interrupt stubs of a 32-bit guest (guest/idt.h, guest/idt_stubs.inc):
 * after a stub, PUSHA's registers, the vector, the error code, then EIP,
 * CS, EFLAGS (no stack switch in ring 0). */
#include <guest/idt_stubs.inc>

        .text
        .code32
        IDT_STUBS pushl, idt_common

/* idt_dispatch(frame) in C with every general register saved; the cdecl
 * callee may clobber EAX, ECX, EDX, and POPA restores them. */
idt_common:
        pushal
        cld
        pushl   %esp
        call    idt_dispatch
        addl    $4, %esp
        popal
        addl    $8, %esp                /* vector and error code */
        iretl

/* SPDX-License-Identifier: MIT */
/* The 256 interrupt stubs of a 32-bit guest (guest/idt.h), 16 bytes apart
 * (idt32.c computes idt_stubs + 16 * vector). Vectors whose exception
 * pushes an error code (SDM Vol. 3A 6.13, Table 6-1: 8, 10-14, 17, 21, 29,
 * 30) get no dummy one, so every frame is alike: PUSHA's registers, the
 * vector, the error code, then EIP, CS, EFLAGS (no stack switch in ring 0). */
        .text
        .code32
        .balign 16
        .global idt_stubs
idt_stubs:
        .set vec, 0
        .rept 256
        .balign 16
        .if (vec == 8) || ((vec >= 10) && (vec <= 14)) || (vec == 17) || (vec == 21) || (vec == 29) || (vec == 30)
        pushl   $vec
        .else
        pushl   $0
        pushl   $vec
        .endif
        jmp     idt_common
        .set vec, vec + 1
        .endr

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

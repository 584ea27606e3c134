/* SPDX-License-Identifier: MIT */
/* The 256 interrupt stubs of a 64-bit guest (guest/idt.h, 64-bit IDT gates,
 * SDM Vol. 3A 6.14), 16 bytes apart (idt.c computes idt_stubs + 16 *
 * vector). Each pushes a 0 where the CPU pushes no error code (SDM Vol. 3A
 * 6.3.1: 8, 10-14, 17, 21, 29, 30 have one), then its vector, so every
 * frame is alike, then the general registers, and calls idt_dispatch(frame). */
        .text
        .code64
        .balign 16
        .global idt_stubs
idt_stubs:
        .set vec, 0
        .rept 256
        .balign 16
        .if (vec == 8) || ((vec >= 10) && (vec <= 14)) || (vec == 17) || (vec == 21) || (vec == 29) || (vec == 30)
        pushq   $vec
        .else
        pushq   $0
        pushq   $vec
        .endif
        jmp     idt_common
        .set vec, vec + 1
        .endr

idt_common:
        pushq   %rax
        pushq   %rbx
        pushq   %rcx
        pushq   %rdx
        pushq   %rsi
        pushq   %rdi
        pushq   %rbp
        pushq   %r8
        pushq   %r9
        pushq   %r10
        pushq   %r11
        pushq   %r12
        pushq   %r13
        pushq   %r14
        pushq   %r15
        movq    %rsp, %rdi      /* 16-byte aligned: the CPU aligns before its 5 quadwords (6.14.2), + 2 + 15 */
        cld
        call    idt_dispatch
        popq    %r15
        popq    %r14
        popq    %r13
        popq    %r12
        popq    %r11
        popq    %r10
        popq    %r9
        popq    %r8
        popq    %rbp
        popq    %rdi
        popq    %rsi
        popq    %rdx
        popq    %rcx
        popq    %rbx
        popq    %rax
        addq    $16, %rsp       /* vector, error code */
        iretq

/* SPDX-License-Identifier: MIT */
/* The 256 interrupt stubs of a 64-bit guest (guest/idt.h, guest/idt_stubs.inc;
 * 64-bit IDT gates, SDM Vol. 3A 6.14): after a stub, the general registers,
 * then idt_dispatch(frame). */
#include <guest/idt_stubs.inc>

        .text
        .code64
        IDT_STUBS pushq, idt_common

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

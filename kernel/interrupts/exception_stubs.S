/* SPDX-License-Identifier: MIT */
/* Entry stubs for all 256 vectors. Each pushes a zero where the CPU pushes
 * no error code (SDM Vol. 3A 6.13, Table 6-1), then its vector, and jumps to
 * the common path, which saves every GPR into an InterruptFrame
 * (kernel/interrupts/exceptions.hpp; offsets checked there) and calls
 * interrupt_entry. Stubs of vectors 32-255 are 16 bytes apart from
 * interrupt_stubs_32 on, so the IDT set-up computes their addresses. */

        .section .text.exceptions, "ax"
        .code64

.macro STUB vector, has_error_code
        .balign 16
exception_stub_\vector:
        .if \has_error_code == 0
        pushq   $0
        .endif
        pushq   $\vector
        jmp     exception_common
.endm

STUB 0, 0
STUB 1, 0
STUB 2, 0
STUB 3, 0
STUB 4, 0
STUB 5, 0
STUB 6, 0
STUB 7, 0
STUB 8, 1
STUB 9, 0
STUB 10, 1
STUB 11, 1
STUB 12, 1
STUB 13, 1
STUB 14, 1
STUB 15, 0
STUB 16, 0
STUB 17, 1
STUB 18, 0
STUB 19, 0
STUB 20, 0
STUB 21, 1
STUB 22, 0
STUB 23, 0
STUB 24, 0
STUB 25, 0
STUB 26, 0
STUB 27, 0
STUB 28, 0
STUB 29, 1
STUB 30, 1
STUB 31, 0

        .balign 16
        .global interrupt_stubs_32
interrupt_stubs_32:
        .set vector, 32
        .rept 224
        .balign 16
        pushq   $0
        pushq   $vector
        jmp     exception_common
        .set vector, vector + 1
        .endr

exception_common:
        pushq   %r15
        pushq   %r14
        pushq   %r13
        pushq   %r12
        pushq   %r11
        pushq   %r10
        pushq   %r9
        pushq   %r8
        pushq   %rbp
        pushq   %rdi
        pushq   %rsi
        pushq   %rdx
        pushq   %rcx
        pushq   %rbx
        pushq   %rax
        cld
        movq    %rsp, %rdi              /* 176-byte frame: RSP is 16-aligned */
        call    interrupt_entry
        popq    %rax
        popq    %rbx
        popq    %rcx
        popq    %rdx
        popq    %rsi
        popq    %rdi
        popq    %rbp
        popq    %r8
        popq    %r9
        popq    %r10
        popq    %r11
        popq    %r12
        popq    %r13
        popq    %r14
        popq    %r15
        addq    $16, %rsp               /* vector and error code */
        iretq

        .section .rodata.exceptions, "a"
        .balign 8
        .global exception_stub_table
exception_stub_table:
        .irp v, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
        .quad exception_stub_\v
        .endr

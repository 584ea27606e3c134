/* SPDX-License-Identifier: MIT */
/* Interrupt and exception entry stubs (64-bit IDT gates, SDM Vol. 3A 6.14):
 * each pushes its vector (and a 0 where the CPU pushes no error code, so
 * every frame has the same layout), the general registers, and calls
 * pv_trap(struct trap_frame*) (traps.c). Events from the hypervisor arrive
 * as external interrupts on the vectors the guest chose: no EOI, since the
 * guest has no local APIC. */
        .macro STUB vector, has_error
        .balign 16
stub_\vector:
        .if \has_error == 0
        pushq   $0
        .endif
        pushq   $\vector
        jmp     trap_common
        .endm

        .text
        .code64
        /* Vectors with an error code: 8, 10-14, 17, 21, 29, 30 (SDM Vol. 3A 6.3.1). */
        .irp v, 0, 1, 2, 3, 4, 5, 6, 7, 9, 15, 16, 18, 19, 20, 22, 23, 24, 25, 26, 27, 28, 31, 0x40, 0x41, 0x42
        STUB \v, 0
        .endr
        .irp v, 8, 10, 11, 12, 13, 14, 17, 21, 29, 30
        STUB \v, 1
        .endr

trap_common:
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
        movq    %rsp, %rdi              /* 16-byte aligned: 5 + 2 + 15 quadwords below an aligned frame */
        cld
        call    pv_trap
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
        addq    $16, %rsp               /* vector, error code */
        iretq

        /* The stub of each exception vector 0-31, then of the three event
         * vectors, in order: traps.c fills the IDT from it. */
        .section .rodata
        .balign 8
        .global pv_trap_stubs
pv_trap_stubs:
        .irp v, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 0x40, 0x41, 0x42
        .quad stub_\v
        .endr

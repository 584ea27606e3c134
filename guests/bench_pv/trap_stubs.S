/* SPDX-License-Identifier: MIT */
/* Interrupt and exception entry (64-bit IDT gates, SDM Vol. 3A 6.14): each
 * stub pushes its vector and calls pv_trap(vector, rip) with the scratch
 * registers of the SysV ABI saved. Events arrive as external interrupts on
 * the vectors the guest chose: no EOI (the guest has no local APIC). An
 * exception is fatal, so the error code some push (SDM Vol. 3A 6.13) only
 * shifts what pv_trap sees as RIP. */
        .macro STUB vector
        .balign 16
stub_\vector:
        pushq   $\vector
        jmp     trap_common
        .endm

        .text
        .code64
        .global pv_trap_stubs
pv_trap_stubs:
        .irp v, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
        STUB \v
        .endr
        STUB 0x40
        STUB 0x41
        STUB 0x42

trap_common:
        pushq   %rax
        pushq   %rcx
        pushq   %rdx
        pushq   %rsi
        pushq   %rdi
        pushq   %r8
        pushq   %r9
        pushq   %r10
        pushq   %r11
        movq    72(%rsp), %rdi          /* the vector */
        movq    80(%rsp), %rsi          /* RIP (or the error code) */
        subq    $8, %rsp                /* 16-byte aligned at the call: 5 + 1 + 9 + 1 quadwords */
        cld
        call    pv_trap
        addq    $8, %rsp
        popq    %r11
        popq    %r10
        popq    %r9
        popq    %r8
        popq    %rdi
        popq    %rsi
        popq    %rdx
        popq    %rcx
        popq    %rax
        addq    $8, %rsp                /* the vector */
        iretq

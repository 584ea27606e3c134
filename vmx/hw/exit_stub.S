/* SPDX-License-Identifier: MIT */
/* Entering and leaving a guest. u64 vmx_run(GuestRegs* regs, u64 launched):
 * saves the host's callee-saved registers, points HOST_RSP at this frame,
 * loads the guest's GPRs and executes VMLAUNCH (launched == 0) or VMRESUME.
 * On a VM exit the CPU continues at vmx_exit_entry (HOST_RIP) with RSP =
 * HOST_RSP; the guest GPRs are stored back and vmx_run returns 0. If the
 * entry instruction itself fails it falls through and returns 1 (the
 * VM-instruction error field says why; SDM Vol. 3C 31.4).
 *
 * FPU/SSE/AVX state is never touched: the hypervisor is compiled with
 * -mgeneral-regs-only, so the guest's x87/SSE/AVX registers stay in the
 * CPU across exits, and with one vCPU per core nothing else uses them.
 * GuestRegs offsets are static_assert'ed in kernel/virt/guest_regs.hpp. */

#define HOST_RSP 0x6C14

#define R_RAX 0x00
#define R_RCX 0x08
#define R_RDX 0x10
#define R_RBX 0x18
#define R_RBP 0x20
#define R_RSI 0x28
#define R_RDI 0x30
#define R_R8  0x38
#define R_R9  0x40
#define R_R10 0x48
#define R_R11 0x50
#define R_R12 0x58
#define R_R13 0x60
#define R_R14 0x68
#define R_R15 0x70

        .section .text.vmx, "ax"
        .code64
        .global vmx_run, vmx_exit_entry
vmx_run:
        pushq   %rbp
        pushq   %rbx
        pushq   %r12
        pushq   %r13
        pushq   %r14
        pushq   %r15
        pushq   %rdi                    /* GuestRegs*, found again on exit */

        movq    $HOST_RSP, %rax
        vmwrite %rsp, %rax
        jbe     .Lfailed                /* CF or ZF: no current VMCS / bad field */

        testq   %rsi, %rsi              /* flags survive the MOVs below */
        movq    R_RAX(%rdi), %rax
        movq    R_RCX(%rdi), %rcx
        movq    R_RDX(%rdi), %rdx
        movq    R_RBX(%rdi), %rbx
        movq    R_RBP(%rdi), %rbp
        movq    R_RSI(%rdi), %rsi
        movq    R_R8(%rdi), %r8
        movq    R_R9(%rdi), %r9
        movq    R_R10(%rdi), %r10
        movq    R_R11(%rdi), %r11
        movq    R_R12(%rdi), %r12
        movq    R_R13(%rdi), %r13
        movq    R_R14(%rdi), %r14
        movq    R_R15(%rdi), %r15
        movq    R_RDI(%rdi), %rdi
        jnz     .Lresume
        vmlaunch
        jmp     .Lfailed
.Lresume:
        vmresume
.Lfailed:
        popq    %rdi
        popq    %r15
        popq    %r14
        popq    %r13
        popq    %r12
        popq    %rbx
        popq    %rbp
        movl    $1, %eax
        ret

vmx_exit_entry:
        pushq   %rdi                    /* guest RDI */
        movq    8(%rsp), %rdi           /* GuestRegs* */
        movq    %rax, R_RAX(%rdi)
        movq    %rcx, R_RCX(%rdi)
        movq    %rdx, R_RDX(%rdi)
        movq    %rbx, R_RBX(%rdi)
        movq    %rbp, R_RBP(%rdi)
        movq    %rsi, R_RSI(%rdi)
        movq    %r8, R_R8(%rdi)
        movq    %r9, R_R9(%rdi)
        movq    %r10, R_R10(%rdi)
        movq    %r11, R_R11(%rdi)
        movq    %r12, R_R12(%rdi)
        movq    %r13, R_R13(%rdi)
        movq    %r14, R_R14(%rdi)
        movq    %r15, R_R15(%rdi)
        popq    R_RDI(%rdi)
        popq    %rdi
        popq    %r15
        popq    %r14
        popq    %r13
        popq    %r12
        popq    %rbx
        popq    %rbp
        xorl    %eax, %eax
        ret

/* SPDX-License-Identifier: MIT */
/* Where the host's #UD handler sends a BINVEPT it recognised (vmx/hw/binvept.cpp):
 * the emulation runs here, after the IRETQ, as a call from the code that
 * executed the instruction (same stack, same interrupt flag), not inside
 * the exception handler. Every register but RFLAGS' status flags is kept,
 * as the instruction would keep it; RFLAGS gets VMsucceed or VMfail (SDM
 * Vol. 3C 31.2). The kernel is built without a red zone, so the slot pushed
 * below RSP overwrites nothing of the interrupted code. */
.section .text
.global binvept_trampoline
.type binvept_trampoline, @function
binvept_trampoline:
    lea -8(%rsp), %rsp        /* the return address: filled by binvept_complete */
    pushfq                    /* [rsp] RFLAGS, [rsp + 8] the return slot */
    push %rax
    push %rcx
    push %rdx
    push %rsi
    push %rdi
    push %r8
    push %r9
    push %r10
    push %r11
    push %rbx
    mov %rsp, %rbx            /* callee-saved: the frame across the call */
    and $-16, %rsp            /* the SysV ABI's alignment at the call */
    lea 80(%rbx), %rdi        /* u64[2]: { RFLAGS, return RIP } */
    call binvept_complete
    mov %rbx, %rsp
    pop %rbx
    pop %r11
    pop %r10
    pop %r9
    pop %r8
    pop %rdi
    pop %rsi
    pop %rdx
    pop %rcx
    pop %rax
    popfq
    ret
.size binvept_trampoline, . - binvept_trampoline

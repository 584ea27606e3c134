/* SPDX-License-Identifier: MIT */
/* Application-processor start-up code. The boot CPU copies the bytes between
 * ap_trampoline_start and ap_trampoline_end to a page below 1 MiB, patches
 * the fields marked (patched), and sends INIT-SIPI-SIPI with that page's
 * number as the vector (SDM Vol. 3A 10.4.4). Each AP starts here in real mode
 * at CS = page << 8, IP = 0, and walks to long mode like the boot CPU
 * (10.8.5), on the boot page tables. It then takes a ticket (lock xadd), uses
 * the ticket's stack and calls ap_entry(ticket) in the kernel. Tickets make
 * parallel start-up safe: no two APs ever share a stack. */

        .section .rodata.ap_trampoline, "a"
        .global ap_trampoline_start, ap_trampoline_end
        .global tramp_gdtr_base, tramp_jump32, tramp_jump64
        .global tramp_prot32, tramp_long64, tramp_gdt
        .global tramp_cr3, tramp_efer, tramp_next_ticket, tramp_stacks, tramp_entry

#define OFF(sym) ((sym) - ap_trampoline_start)

        .code16
ap_trampoline_start:
        cli
        cld
        movw    %cs, %ax
        movw    %ax, %ds
        xorl    %ebx, %ebx
        movw    %ax, %bx
        shll    $4, %ebx                /* EBX = physical base of this page */
        lgdtl   OFF(tramp_gdtr)
        movl    %cr0, %eax
        orl     $1, %eax                /* PE */
        movl    %eax, %cr0
        ljmpl   *OFF(tramp_jump32)

        .code32
tramp_prot32:
        movw    $0x10, %ax
        movw    %ax, %ds
        movw    %ax, %es
        movw    %ax, %ss
        movl    %cr4, %eax
        orl     $0x20, %eax             /* PAE */
        movl    %eax, %cr4
        movl    OFF(tramp_cr3)(%ebx), %eax
        movl    %eax, %cr3
        movl    $0xC0000080, %ecx       /* IA32_EFER: LME, and NXE if the BSP uses it */
        rdmsr
        orl     OFF(tramp_efer)(%ebx), %eax
        wrmsr
        movl    %cr0, %eax
        andl    $0x9FFFFFFF, %eax       /* caches on (clear CD, NW) */
        orl     $0x80010001, %eax       /* PG, WP, PE */
        movl    %eax, %cr0
        ljmpl   *OFF(tramp_jump64)(%ebx)

        .code64
tramp_long64:
        movl    %ebx, %ebx              /* upper half undefined after the switch */
        movl    $1, %eax
        lock xaddl %eax, OFF(tramp_next_ticket)(%rbx)
        movq    OFF(tramp_stacks)(%rbx), %rsp
        movq    (%rsp, %rax, 8), %rsp   /* this ticket's stack top */
        movl    %eax, %edi
        movq    OFF(tramp_entry)(%rbx), %rax
        xorl    %ebp, %ebp
        pushq   $0                      /* no return address: ap_entry never returns */
        jmpq    *%rax

        .balign 8
tramp_gdt:
        .quad 0
        .quad 0x00CF9A000000FFFF        /* 0x08: 32-bit code */
        .quad 0x00CF92000000FFFF        /* 0x10: data */
        .quad 0x00AF9A000000FFFF        /* 0x18: 64-bit code */
tramp_gdtr:
        .short 31
tramp_gdtr_base:
        .long 0                         /* (patched) page + OFF(tramp_gdt) */
tramp_jump32:
        .long 0                         /* (patched) page + OFF(tramp_prot32) */
        .short 0x08
tramp_jump64:
        .long 0                         /* (patched) page + OFF(tramp_long64) */
        .short 0x18
tramp_cr3:
        .long 0                         /* (patched) boot PML4, below 4 GiB */
tramp_efer:
        .long 0                         /* (patched) LME | NXE as on the BSP */
tramp_next_ticket:
        .long 0                         /* (patched) 0 */
        .balign 8
tramp_stacks:
        .quad 0                         /* (patched) u64 stack_tops[] */
tramp_entry:
        .quad 0                         /* (patched) ap_entry */
ap_trampoline_end:

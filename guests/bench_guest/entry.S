/* SPDX-License-Identifier: MIT */
/* Entry of the exit-cost benchmark guest: starts like the test guest (32-bit
 * protected mode, paging off, EIP = 0x8000), switches itself to 64-bit mode
 * (identity-mapped first 2 MiB; SDM Vol. 3A 10.8.5) so it can also measure
 * MOV to CR8, runs bench_main() and exits through port 0xf4. */
        .section .text.entry, "ax"
        .code32
        .global _start
_start:
        cli
        lgdt    gdt_ptr
        /* PML4 at 0x1000 -> PDPT at 0x2000 -> PD at 0x3000, one 2 MiB page. */
        movl    $0x1000, %edi
        xorl    %eax, %eax
        movl    $(3 * 4096 / 4), %ecx
        rep stosl
        movl    $0x2003, 0x1000
        movl    $0x3003, 0x2000
        movl    $0x0083, 0x3000
        movl    %cr4, %eax
        orl     $0x20, %eax             /* PAE */
        movl    %eax, %cr4
        movl    $0x1000, %eax
        movl    %eax, %cr3
        movl    $0xC0000080, %ecx       /* EFER.LME: a WRMSR exit */
        rdmsr
        orl     $0x100, %eax
        wrmsr
        movl    %cr0, %eax
        orl     $0x80000001, %eax       /* PG (and PE) */
        movl    %eax, %cr0
        ljmp    $0x18, $long_mode

        .code64
long_mode:
        movw    $0x10, %ax
        movw    %ax, %ds
        movw    %ax, %es
        movw    %ax, %ss
        movq    $0x7ff0, %rsp
        call    bench_main
        outb    %al, $0xf4              /* exit code from bench_main */
1:      cli
        hlt
        jmp     1b

/* Vector 0x30, the hypercall timer's interrupt: nothing to do but return. */
        .global timer_isr
timer_isr:
        iretq

        .section .data.entry, "aw"
        .balign 8
gdt:
        .quad 0
        .quad 0x00cf9a000000ffff        /* 0x08 32-bit code */
        .quad 0x00cf92000000ffff        /* 0x10 data */
        .quad 0x00af9a000000ffff        /* 0x18 64-bit code */
gdt_ptr:
        .short gdt_ptr - gdt - 1
        .long gdt

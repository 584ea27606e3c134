/* SPDX-License-Identifier: MIT */
/* hostile entry: the start from a Multiboot2 loader (the header is the
 * library's mb2_header.S) in 32-bit protected mode with EAX = 0x36d76289,
 * EBX = the boot information (Multiboot2 spec 1.0, 3.3). Our own GDT: ring-0 and ring-3 flat segments and a TSS,
 * whose SS0:ESP0 the CPU loads when an interrupt leaves ring 3 (SDM Vol. 3A
 * 7.7, 6.12.1), so the hypercall attempts can be made from CPL 3 too. */
#include <guest/entry.inc>

        MULTIBOOT_START
        /* TSS descriptor base (bits 15:0 at byte 2, 23:16 at 4, 31:24 at 7). */
        movl    $tss, %eax
        movw    %ax, gdt_tss + 2
        shrl    $16, %eax
        movb    %al, gdt_tss + 4
        movb    %ah, gdt_tss + 7
        movl    $ring0_stack_top, tss + 4       /* ESP0 */
        movl    $0x10, tss + 8                  /* SS0 */
        movw    $104, tss + 102                 /* I/O map base past the limit: no bitmap */
        lgdt    gdt_ptr
        ljmp    $0x08, $1f
1:      LOAD_DATA_SEGMENTS 0x10
        movw    $0x28, %ax
        ltr     %ax
        movl    $stack_top, %esp
        pushl   %ebp                    /* hostile_main(magic, info) */
        pushl   %esi
        call    hostile_main
2:      cli
        hlt
        jmp     2b

/* vCPU 1, started by NUCLEO_HC_VCPU_START (storms.c): 32-bit protected
 * mode, flat segments, EBX = the argument, our stack's top; GDTR and IDTR
 * are undefined (docs/hypercalls.md), so ours is loaded first. No IDT: it
 * runs with interrupts off. */
        .text
        .global ap_entry
ap_entry:
        movl    %ebx, %esp
        lgdt    gdt_ptr
        ljmp    $0x08, $3f
3:      LOAD_DATA_SEGMENTS 0x10
        call    ap_main
4:      cli
        hlt
        jmp     4b

        .data                           /* written above: not .rodata */
        .balign 8
        .global gdt
gdt:
        .quad 0
        .quad 0x00cf9a000000ffff        /* 0x08: ring-0 code, flat */
        .quad 0x00cf92000000ffff        /* 0x10: ring-0 data, flat */
        .quad 0x00cffa000000ffff        /* 0x18: ring-3 code, flat (selector 0x1b) */
        .quad 0x00cff2000000ffff        /* 0x20: ring-3 data, flat (selector 0x23) */
gdt_tss:
        .quad 0x0000890000000067        /* 0x28: 32-bit available TSS, limit 103 */
gdt_end:
gdt_ptr:
        .short gdt_end - gdt - 1
        .long gdt

        .bss
        .balign 16
tss:    .space 104
        .balign 16
        .space 8192
stack_top:
        .space 4096
        .global ring0_stack_top
ring0_stack_top:

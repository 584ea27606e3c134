/* SPDX-License-Identifier: MIT */
/* bench_fv entry: a Multiboot1 header (Multiboot 0.6.96, 3.1), the boot
 * vCPU's start in 32-bit protected mode (3.2: EAX = magic, EBX = info,
 * paging off, IF = 0), the 32-bit half of the AP start (the real-mode half
 * is trampoline.S) and the interrupt stubs. */
        .set MB_MAGIC, 0x1BADB002
        .set MB_FLAGS, 0x00000003       /* page-align modules, give memory info */

        .section .multiboot, "a"
        .balign 4
        .long MB_MAGIC, MB_FLAGS, -(MB_MAGIC + MB_FLAGS)

        .text
        .code32
        .global _start
_start:
        cli
        cld
        movl    $__bss_start, %edi      /* do not rely on the loader zeroing .bss */
        movl    $__bss_end, %ecx
        subl    %edi, %ecx
        xorl    %eax, %eax
        rep stosb
        lgdt    gdt_ptr
        ljmp    $0x08, $1f
1:      call    load_data_segments
        movl    $bsp_stack_top, %esp
        call    fv_main
2:      cli
        hlt
        jmp     2b

load_data_segments:
        movw    $0x10, %ax
        movw    %ax, %ds
        movw    %ax, %es
        movw    %ax, %ss
        movw    %ax, %fs
        movw    %ax, %gs
        ret

/* The AP arrives from trampoline.S in 32-bit protected mode on this GDT. */
        .global ap_entry32
ap_entry32:
        call    load_data_segments
        movl    $ap_stack_top, %esp
        call    ap_main
3:      cli
        hlt
        jmp     3b

/* Interrupt stubs: an exception (0-31) or one of the guest's vectors. Each
 * pushes its vector and calls isr_dispatch(vector, eip) with the scratch
 * registers saved (the cdecl callee saves the rest). Exceptions with an
 * error code (SDM Vol. 3A 6.13: 8, 10-14, 17) are fatal, so the frame
 * layout after them does not matter beyond reading EIP. */
        .macro STUB vector
        .balign 16
stub_\vector:
        pushl   $\vector
        jmp     isr_common
        .endm
        .global isr_stubs
isr_stubs:
        .irp v, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
        STUB \v
        .endr
        STUB 0x40
        STUB 0x41
        STUB 0x42
        STUB 0x43
        STUB 0xff

isr_common:
        pushl   %eax
        pushl   %ecx
        pushl   %edx
        cld
        pushl   16(%esp)                /* EIP (or the error code: fatal anyway) */
        pushl   16(%esp)                /* the vector */
        call    isr_dispatch
        addl    $8, %esp
        popl    %edx
        popl    %ecx
        popl    %eax
        addl    $4, %esp                /* the vector */
        iretl

        .section .rodata
        .balign 8
        .global gdt, gdt_ptr
gdt:
        .quad 0
        .quad 0x00cf9a000000ffff        /* 0x08: 32-bit code, flat */
        .quad 0x00cf92000000ffff        /* 0x10: data, flat */
gdt_end:
gdt_ptr:
        .short gdt_end - gdt - 1
        .long gdt

        .bss
        .balign 16
        .space 16384
bsp_stack_top:
        .space 8192
ap_stack_top:

/* SPDX-License-Identifier: MIT */
/* pc_smp entry: a Multiboot1 header (Multiboot 0.6.96 spec, 3.1), the boot
 * CPU's start in 32-bit protected mode (3.2: EAX = magic, EBX = info,
 * paging off, IF = 0), the GDT both CPUs use, the interrupt stubs and the
 * 32-bit half of the AP start (the real-mode half is trampoline.S). */
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
        movl    %eax, %esi              /* keep magic and info across the .bss clear */
        movl    %ebx, %ebp
        /* The loader should have zeroed .bss (ELF p_memsz); do not rely on it. */
        movl    $__bss_start, %edi
        movl    $__bss_end, %ecx
        subl    %edi, %ecx
        xorl    %eax, %eax
        rep stosb
        lgdt    gdt_ptr
        ljmp    $0x08, $1f
1:      movl    $bsp_stack_top, %esp    /* Multiboot leaves ESP undefined: a stack first */
        call    load_data_segments
        pushl   %ebp                    /* pc_smp_main(magic, info) */
        pushl   %esi
        call    pc_smp_main
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

/* The AP arrives from trampoline.S in 32-bit protected mode on this GDT with
 * CS = 0x08; its stack was chosen by the BSP before INIT (one AP at a time). */
        .global ap_entry32
ap_entry32:
        movw    $0x10, %ax
        movw    %ax, %ds
        movw    %ax, %es
        movw    %ax, %ss
        movw    %ax, %fs
        movw    %ax, %gs
        movl    ap_stack_top, %esp
        call    ap_main
3:      cli
        hlt
        jmp     3b

/* 256 interrupt stubs, 16 bytes apart (the IDT builder computes
 * isr_stubs + 16 * vector). Vectors that push an error code (SDM Vol. 3A
 * 6.13, Table 6-1: 8, 10-14, 17, 21, 29, 30) do not get a dummy one. */
        .balign 16
        .global isr_stubs
isr_stubs:
        .set vec, 0
        .rept 256
        .balign 16
        .if (vec == 8) || ((vec >= 10) && (vec <= 14)) || (vec == 17) || (vec == 21) || (vec == 29) || (vec == 30)
        pushl   $vec
        .else
        pushl   $0
        pushl   $vec
        .endif
        jmp     isr_common
        .set vec, vec + 1
        .endr

/* Frame for isr_dispatch: PUSHA's registers, vector, error code, then what
 * the CPU pushed (EIP, CS, EFLAGS; no stack switch in ring 0). */
isr_common:
        pushal
        cld
        pushl   %esp
        call    isr_dispatch
        addl    $4, %esp
        popal
        addl    $8, %esp                /* vector and error code */
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

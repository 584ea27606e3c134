/* SPDX-License-Identifier: MIT */
/* 64-bit entry at the kernel's linked (-2 GiB) address: stack, segment
 * registers, .bss, then kmain(magic, multiboot2_info_phys). */
#include "boot/layout.h"

        .section .text.start64, "ax"
        .code64
        .global start64
start64:
        movw    $BOOT_GDT_DATA, %ax
        movw    %ax, %ds
        movw    %ax, %es
        movw    %ax, %ss
        xorl    %eax, %eax
        movw    %ax, %fs
        movw    %ax, %gs

        leaq    boot_cpu_stack_top(%rip), %rsp
        xorl    %ebp, %ebp

        /* GRUB zero-fills memsz beyond filesz, but nothing in the Multiboot2
         * spec promises it: clear .bss ourselves. RDI/RSI carry kmain's
         * arguments, so use R8-R10. */
        movq    %rdi, %r8
        movq    %rsi, %r9
        leaq    __bss_start(%rip), %rdi
        leaq    __bss_end(%rip), %rcx
        subq    %rdi, %rcx
        xorl    %eax, %eax
        rep stosb
        movl    %r8d, %edi
        movl    %r9d, %esi

        call    kmain
1:      cli
        hlt
        jmp     1b

        .section .bss.boot_stack, "aw", @nobits
        .balign 16
        .global boot_cpu_stack_bottom
boot_cpu_stack_bottom:
        .skip KERNEL_STACK_SIZE
        .global boot_cpu_stack_top
boot_cpu_stack_top:

/* SPDX-License-Identifier: MIT */
/* chan_peer entry (as mb2_hello's): a Multiboot2 header (Multiboot2 spec 1.0, 3.1: magic,
 * architecture 0 = i386 protected mode, length, checksum, then tags ending
 * with the end tag; 8-byte aligned in the first 32 KiB) and the start in
 * 32-bit protected mode with EAX = 0x36d76289 and EBX = the information's
 * physical address (3.3). The loader's GDT may be gone, so load our own. */
        .set MB2_MAGIC, 0xE85250D6
        .set MB2_ARCH_I386, 0

        .section .multiboot2, "a"
        .balign 8
mb2_header:
        .long MB2_MAGIC, MB2_ARCH_I386, mb2_header_end - mb2_header
        .long -(MB2_MAGIC + MB2_ARCH_I386 + (mb2_header_end - mb2_header))
        .short 0, 0                     /* end tag: type 0, flags 0, size 8 */
        .long 8
mb2_header_end:

        .text
        .code32
        .global _start
_start:
        cli
        cld
        movl    %eax, %esi
        movl    %ebx, %ebp
        movl    $__bss_start, %edi      /* the loader zeroes .bss; do not rely on it */
        movl    $__bss_end, %ecx
        subl    %edi, %ecx
        xorl    %eax, %eax
        rep stosb
        lgdt    gdt_ptr
        ljmp    $0x08, $1f
1:      movw    $0x10, %ax
        movw    %ax, %ds
        movw    %ax, %es
        movw    %ax, %ss
        movw    %ax, %fs
        movw    %ax, %gs
        movl    $stack_top, %esp
        pushl   %ebp                    /* peer_main(magic, info) */
        pushl   %esi
        call    peer_main
2:      cli
        hlt
        jmp     2b

        .section .rodata
        .balign 8
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
        .space 8192
stack_top:

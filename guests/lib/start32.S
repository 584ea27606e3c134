/* SPDX-License-Identifier: MIT */
/* The start of a 32-bit guest from a Multiboot1 or Multiboot2 loader (link
 * mb1_header.S or mb2_header.S with it). Both leave the boot CPU in 32-bit
 * protected mode with paging off and IF = 0, EAX = the magic, EBX = the
 * information's physical address (Multiboot 0.6.96 3.2; Multiboot2 1.0
 * 3.3); GDTR and ESP are undefined, so this loads its own flat GDT, a
 * 16 KiB stack, clears .bss and calls guest_main(magic, info). The GDT is
 * also the one smp32.S's APs load. */
#include <guest/entry.inc>

        MULTIBOOT_START
        lgdt    guest_gdt_ptr
        ljmp    $0x08, $1f
1:      LOAD_DATA_SEGMENTS 0x10
        movl    $guest_stack_top, %esp
        pushl   %ebp                    /* guest_main(magic, info) */
        pushl   %esi
        call    guest_main
2:      cli
        hlt
        jmp     2b

        .section .rodata
        .balign 8
        .global guest_gdt, guest_gdt_ptr
guest_gdt:
        .quad 0
        .quad 0x00cf9a000000ffff        /* 0x08: 32-bit code, flat */
        .quad 0x00cf92000000ffff        /* 0x10: data, flat */
guest_gdt_end:
guest_gdt_ptr:
        .short guest_gdt_end - guest_gdt - 1
        .long guest_gdt

        .bss
        .balign 16
        .space 16384
guest_stack_top:

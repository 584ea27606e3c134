/* SPDX-License-Identifier: MIT */
/* The real-mode start of an application processor. The BSP copies the bytes
 * from ap_trampoline_start to ap_trampoline_end to a page below 1 MiB and
 * sends INIT-SIPI-SIPI with the page number as the vector (SDM Vol. 3A
 * 10.4.4.1): the AP starts here with CS = page << 8, IP = 0, in real mode.
 * It loads the guest's GDT (its 32-bit base needs LGDTL), sets CR0.PE and
 * far-jumps to ap_entry32 (entry.S) at its link address (SDM Vol. 3A 10.9). */
        .section .rodata.trampoline, "a"
        .global ap_trampoline_start, ap_trampoline_end
        .code16
ap_trampoline_start:
        cli
        cld
        movw    %cs, %ax
        movw    %ax, %ds
        lgdtl   tramp_gdt_ptr - ap_trampoline_start
        movl    %cr0, %eax
        orl     $1, %eax                /* PE */
        movl    %eax, %cr0
        ljmpl   $0x08, $ap_entry32
        .balign 4
tramp_gdt_ptr:
        .short 23
        .long gdt
ap_trampoline_end:

/* SPDX-License-Identifier: MIT */
/* The start of an application processor (guest/smp.h). The BSP copies the
 * bytes from smp_trampoline_start to smp_trampoline_end to SMP_TRAMPOLINE
 * and sends INIT-SIPI-SIPI with its page number as the vector (SDM Vol. 3A
 * 10.4.4.1): the AP starts there with CS = page << 8, IP = 0, in real mode.
 * It loads the guest's GDT (its 32-bit base needs LGDTL), sets CR0.PE and
 * far-jumps to smp_ap_entry32 at its link address (SDM Vol. 3A 10.9). */
#include <guest/entry.inc>
#include <guest/smp.h>

        .section .rodata.trampoline, "a"
        .global smp_trampoline_start, smp_trampoline_end
        .code16
smp_trampoline_start:
        cli
        cld
        movw    %cs, %ax
        movw    %ax, %ds
        lgdtl   tramp_gdt_ptr - smp_trampoline_start
        movl    %cr0, %eax
        orl     $1, %eax                /* PE */
        movl    %eax, %cr0
        ljmpl   $0x08, $smp_ap_entry32
        .balign 4
tramp_gdt_ptr:
        .short 23
        .long guest_gdt
smp_trampoline_end:

/* In 32-bit protected mode, CS = 0x08; SS still holds its real-mode limit,
 * so the data segments come before any stack use. Each arriving AP takes
 * the next stack (LOCK XADD), so APs that come late or at once never share
 * one; one past the last stays halted. */
        .text
        .code32
smp_ap_entry32:
        LOAD_DATA_SEGMENTS 0x10
        movl    $1, %eax
        lock xaddl %eax, smp_next_stack
        cmpl    $SMP_MAX_CPUS - 1, %eax
        jae     2f
        incl    %eax
        imull   $SMP_STACK_SIZE, %eax
        addl    $smp_stacks, %eax
        movl    %eax, %esp
        call    smp_ap_main
2:      cli
        hlt
        jmp     2b

        .bss
        .balign 16
        .global smp_stacks
smp_next_stack:
        .long 0
        .balign 16
smp_stacks:                             /* AP stack i: [i * SIZE, (i + 1) * SIZE) */
        .space (SMP_MAX_CPUS - 1) * SMP_STACK_SIZE

/* SPDX-License-Identifier: MIT */
/* 32-bit entry from a Multiboot2 boot loader (Multiboot2 spec 3.3: EAX holds
 * the magic 0x36d76289, EBX the physical address of the boot information,
 * protected mode, paging off, no usable stack).
 *
 * This code runs at its physical (= linked) address. It checks the magic and
 * long-mode support, builds the early page tables and switches to 64-bit mode
 * (SDM Vol. 3A 10.8.5 "Initializing IA-32e Mode"):
 *   - identity map of 0..4 GiB       (the switch itself; AP start-up later)
 *   - direct map of 0..4 GiB at DIRECT_MAP_BASE  (C++ extends it to all RAM)
 *   - kernel image: -2 GiB -> physical 0..1 GiB
 * all with 2 MiB pages (every x86-64 CPU has them; 1 GiB pages are optional).
 */
#include "boot/layout.h"

#define MB2_BOOTLOADER_MAGIC 0x36d76289
#define PTE_P    0x001
#define PTE_RW   0x002
#define PTE_PS   0x080
#define CR0_PG   0x80000000
#define CR0_WP   0x00010000
#define CR0_NW   0x20000000
#define CR0_CD   0x40000000
#define CR4_PAE  0x00000020
#define MSR_EFER 0xC0000080
#define EFER_LME 0x00000100
#define EFER_NXE 0x00000800

        .section .boot.text, "ax"
        .code32
        .global _start32
_start32:
        cli
        cld
        movl    $boot_stack_top, %esp
        movl    %eax, %edi              /* keep the magic and info pointer  */
        movl    %ebx, %esi              /* for kmain (SysV: rdi, rsi)       */

        cmpl    $MB2_BOOTLOADER_MAGIC, %eax
        jne     .Lbad_magic

        /* Long mode: CPUID 0x80000001 EDX bit 29 (SDM Vol. 2A, CPUID). */
        movl    $0x80000000, %eax
        cpuid
        cmpl    $0x80000001, %eax
        jb      .Lno_long_mode
        movl    $0x80000001, %eax
        cpuid
        btl     $29, %edx
        jnc     .Lno_long_mode
        movl    %edx, %ebp              /* bit 20: NX, used below           */

        /* Clear the early tables (.boot.bss is not guaranteed to be zero). */
        movl    $boot_tables_start, %edi
        movl    $((boot_tables_end - boot_tables_start) / 4), %ecx
        xorl    %eax, %eax
        rep stosl
        movl    %esi, %ebx              /* rep stos used EDI: restore below */
        movl    $MB2_BOOTLOADER_MAGIC, %edi

        /* Four page directories of 2 MiB pages: physical 0..4 GiB. */
        movl    $boot_pd, %edx
        xorl    %ecx, %ecx
1:      movl    %ecx, %eax
        shll    $21, %eax
        orl     $(PTE_P | PTE_RW | PTE_PS), %eax
        movl    %eax, (%edx, %ecx, 8)
        movl    %ecx, %eax
        shrl    $11, %eax               /* bits 32+ of (ecx << 21)          */
        movl    %eax, 4(%edx, %ecx, 8)
        incl    %ecx
        cmpl    $2048, %ecx
        jb      1b

        /* Identity and direct-map PDPTs both point at the four PDs. */
        xorl    %ecx, %ecx
2:      movl    %ecx, %eax
        shll    $12, %eax
        addl    $(boot_pd + PTE_P + PTE_RW), %eax
        movl    %eax, boot_pdpt_low(, %ecx, 8)
        movl    %eax, boot_pdpt_direct(, %ecx, 8)
        incl    %ecx
        cmpl    $4, %ecx
        jb      2b

        /* Kernel image: PDPT entry 510 of the top PML4 slot = -2 GiB. */
        movl    $(boot_pd + PTE_P + PTE_RW), boot_pdpt_high + 510 * 8

        movl    $(boot_pdpt_low + PTE_P + PTE_RW), boot_pml4
        movl    $(boot_pdpt_direct + PTE_P + PTE_RW), boot_pml4 + PML4_INDEX_DIRECT_MAP * 8
        movl    $(boot_pdpt_high + PTE_P + PTE_RW), boot_pml4 + 511 * 8

        /* SDM Vol. 3A 10.8.5: PAE, CR3, EFER.LME, then CR0.PG. */
        movl    %cr4, %eax
        orl     $CR4_PAE, %eax
        movl    %eax, %cr4
        movl    $boot_pml4, %eax
        movl    %eax, %cr3
        movl    $MSR_EFER, %ecx
        rdmsr
        orl     $EFER_LME, %eax
        btl     $20, %ebp
        jnc     3f
        orl     $EFER_NXE, %eax
3:      wrmsr
        movl    %cr0, %eax
        andl    $~(CR0_CD | CR0_NW), %eax   /* caches on: firmware may leave them off */
        orl     $(CR0_PG | CR0_WP), %eax
        movl    %eax, %cr0

        lgdt    boot_gdt_ptr
        ljmp    $BOOT_GDT_CODE64, $start64_low

.Lbad_magic:
        movl    $msg_bad_magic, %esi
        jmp     .Lfatal
.Lno_long_mode:
        movl    $msg_no_long_mode, %esi
.Lfatal:
        call    early_print
1:      cli
        hlt
        jmp     1b

/* early_print: ESI = NUL-terminated string. Writes to COM1 (bounded wait on
 * the line status register, so a missing UART cannot hang us) and to the
 * VGA text buffer. Clobbers EAX, ECX, EDX, ESI, EDI. */
early_print:
        movl    $0xB8000, %edi
.Lnext_char:
        lodsb
        testb   %al, %al
        jz      .Ldone
        movb    %al, %ah
        movl    $100000, %ecx
        movw    $0x3FD, %dx
.Lwait_thre:
        inb     %dx, %al
        testb   $0x20, %al
        jnz     .Lsend
        loop    .Lwait_thre
.Lsend:
        movb    %ah, %al
        movw    $0x3F8, %dx
        outb    %al, %dx
        movb    $0x4F, %ah              /* white on red                    */
        cmpb    $'\n', %al
        je      .Lnext_char
        movw    %ax, (%edi)
        addl    $2, %edi
        jmp     .Lnext_char
.Ldone:
        ret

        .code64
start64_low:
        /* Still executing from the identity map: jump to the kernel's
         * -2 GiB mapping, where everything else is linked. */
        movabsq $start64, %rax
        jmpq    *%rax

        .section .boot.data, "a"
        .balign 16
boot_gdt:
        .quad 0
        .quad 0x00AF9A000000FFFF        /* 0x08: 64-bit code, DPL 0        */
        .quad 0x00CF92000000FFFF        /* 0x10: data, DPL 0               */
boot_gdt_end:
        .balign 8
        .global boot_gdt_ptr
boot_gdt_ptr:
        .short boot_gdt_end - boot_gdt - 1
        .long boot_gdt

msg_bad_magic:
        .asciz "nucleo: not started by a Multiboot2 boot loader (bad magic in EAX); halted.\n"
msg_no_long_mode:
        .asciz "nucleo: this CPU has no 64-bit long mode; nucleo needs an x86-64 CPU. Halted.\n"

        .section .boot.bss, "aw", @nobits
        .balign 4096
boot_tables_start:
        .global boot_pml4
boot_pml4:        .skip 4096
boot_pdpt_low:    .skip 4096
        .global boot_pdpt_direct
boot_pdpt_direct: .skip 4096
boot_pdpt_high:   .skip 4096
boot_pd:          .skip 4 * 4096
boot_tables_end:
        .skip 4096
boot_stack_top:

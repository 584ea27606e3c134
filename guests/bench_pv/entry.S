/* SPDX-License-Identifier: MIT */
/* bench_pv entry: the Multiboot2 header (Multiboot2 spec 1.0, 3.1) and the
 * switch from the loader's 32-bit protected mode to 64-bit mode (SDM Vol.
 * 3A 10.8.5: PAE, CR3, EFER.LME, then CR0.PG, then a far jump to a 64-bit
 * code segment) with the first 1 GiB identity-mapped by 2 MiB pages, then
 * bench_pv_main(). One vCPU: no AP entry. */
        .set MB2_MAGIC, 0xE85250D6
        .set MB2_ARCH_I386, 0
        .set CR4_PAE, 0x20
        .set MSR_EFER, 0xC0000080
        .set EFER_LME, 0x100
        .set CR0_PG_PE, 0x80000001

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
        movl    $__bss_start, %edi      /* .bss holds the page tables and the stack */
        movl    $__bss_end, %ecx
        subl    %edi, %ecx
        xorl    %eax, %eax
        rep stosb
        movl    $stack_top, %esp
        movl    $pdpt, %eax             /* PML4[0] -> PDPT, PDPT[0] -> PD */
        orl     $3, %eax
        movl    %eax, pml4
        movl    $pd, %eax
        orl     $3, %eax
        movl    %eax, pdpt
        xorl    %ecx, %ecx
1:      movl    %ecx, %eax              /* PD[i] = i * 2 MiB | PS | RW | P */
        shll    $21, %eax
        orl     $0x83, %eax
        movl    %eax, pd(,%ecx,8)
        incl    %ecx
        cmpl    $512, %ecx
        jb      1b
        call    enter_long_mode
        ljmp    $0x18, $long64

/* CR4.PAE, CR3, EFER.LME, CR0.PG: the page tables above, shared by both
 * vCPUs. */
enter_long_mode:
        lgdt    gdt_ptr
        movl    %cr4, %eax
        orl     $CR4_PAE, %eax
        movl    %eax, %cr4
        movl    $pml4, %eax
        movl    %eax, %cr3
        movl    $MSR_EFER, %ecx
        rdmsr
        orl     $EFER_LME, %eax
        wrmsr
        movl    %cr0, %eax
        orl     $CR0_PG_PE, %eax
        movl    %eax, %cr0
        ret

/* vCPU 1, from NUCLEO_HC_VCPU_START (docs/hypercalls.md): flat 32-bit
 * protected mode, paging off; its own stack, then 64-bit mode. */
        .global ap_entry32
ap_entry32:
        cli
        cld
        movl    $ap_stack_top, %esp
        call    enter_long_mode
        ljmp    $0x18, $ap64

        .code64
long64:
        movw    $0x10, %ax
        movw    %ax, %ds
        movw    %ax, %es
        movw    %ax, %ss
        movw    %ax, %fs
        movw    %ax, %gs
        movl    $stack_top, %esp
        call    bench_pv_main
2:      cli
        hlt
        jmp     2b

ap64:
        movw    $0x10, %ax
        movw    %ax, %ds
        movw    %ax, %es
        movw    %ax, %ss
        movw    %ax, %fs
        movw    %ax, %gs
        movl    $ap_stack_top, %esp
        call    bench_pv_ap_main
2:      cli
        hlt
        jmp     2b

        .section .rodata
        .balign 8
gdt:
        .quad 0
        .quad 0x00cf9a000000ffff        /* 0x08: 32-bit code, flat */
        .quad 0x00cf92000000ffff        /* 0x10: data, flat */
        .quad 0x00af9a000000ffff        /* 0x18: 64-bit code (L) */
gdt_end:
gdt_ptr:
        .short gdt_end - gdt - 1
        .quad gdt

        .bss
        .balign 4096
pml4:
        .space 4096
pdpt:
        .space 4096
pd:
        .space 4096
        .space 16384
stack_top:
        .space 16384
ap_stack_top:

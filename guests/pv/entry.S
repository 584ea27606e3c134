/* SPDX-License-Identifier: MIT */
/* pv entry: the Multiboot2 header (Multiboot2 spec 1.0, 3.1), then two
 * 32-bit entries that switch to 64-bit mode (SDM Vol. 3A 10.8.5: PAE, CR3,
 * EFER.LME, then CR0.PG, then a far jump to a 64-bit code segment):
 *   _start      vCPU 0, from the loader: EAX = 0x36d76289, EBX = the MBI;
 *               it builds the page tables (the first 4 GiB identity-mapped
 *               with 2 MiB pages), then calls pv_main(magic, mbi).
 *   ap_entry32  every other vCPU, from NUCLEO_HC_VCPU_START: EAX =
 *               NUCLEO_HC_VCPU_START_MAGIC, EBX = its index (the argument
 *               vCPU 0 passed); it reuses vCPU 0's page tables and calls
 *               pv_ap_main(magic, index) on its own stack.
 * Both start with paging off in flat protected mode; GDTR and ESP are
 * undefined, so each loads its own. */
        .set MB2_MAGIC, 0xE85250D6
        .set MB2_ARCH_I386, 0
        .set MAX_VCPUS, 8
        .set STACK_SIZE, 16384
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
        movl    %eax, %esi
        movl    %ebx, %ebp
        movl    $__bss_start, %edi      /* .bss holds the page tables and stacks */
        movl    $__bss_end, %ecx
        subl    %edi, %ecx
        xorl    %eax, %eax
        rep stosb
        movl    $pv_stacks + STACK_SIZE, %esp  /* vCPU 0's stack */
        /* PML4[0] -> PDPT; PDPT[0..3] -> the four page directories; each PD
         * entry a 2 MiB page (PS, RW, P): 2048 of them cover 4 GiB. */
        movl    $pv_pdpt, %eax
        orl     $3, %eax
        movl    %eax, pv_pml4
        movl    $pv_pd, %eax
        orl     $3, %eax
        xorl    %ecx, %ecx
1:      movl    %eax, pv_pdpt(,%ecx,8)
        addl    $4096, %eax
        incl    %ecx
        cmpl    $4, %ecx
        jb      1b
        xorl    %ecx, %ecx
2:      movl    %ecx, %eax
        shll    $21, %eax
        orl     $0x83, %eax
        movl    %eax, pv_pd(,%ecx,8)    /* bits 32-63 stay 0: all below 4 GiB */
        incl    %ecx
        cmpl    $2048, %ecx
        jb      2b
        call    enter_long_mode32
        ljmp    $0x18, $bsp64

/* Shared by both entries: GDT, PAE, CR3, EFER.LME, PG. Returns in 32-bit
 * compatibility mode; the caller's far jump loads the 64-bit CS. */
enter_long_mode32:
        lgdt    gdt_ptr
        movl    %cr4, %eax
        orl     $CR4_PAE, %eax
        movl    %eax, %cr4
        movl    $pv_pml4, %eax
        movl    %eax, %cr3
        movl    $MSR_EFER, %ecx
        rdmsr
        orl     $EFER_LME, %eax
        wrmsr
        movl    %cr0, %eax
        orl     $CR0_PG_PE, %eax
        movl    %eax, %cr0
        ret

        .global ap_entry32
ap_entry32:
        cli
        cld
        movl    %eax, %esi
        movl    %ebx, %ebp
        cmpl    $MAX_VCPUS, %ebp        /* no stack for an index this guest never passes */
        jae     3f
        /* A stack before the first CALL: this vCPU's, at its top. */
        movl    %ebp, %esp
        incl    %esp
        imull   $STACK_SIZE, %esp
        addl    $pv_stacks, %esp
        call    enter_long_mode32
        ljmp    $0x18, $ap64
3:      cli
        hlt
        jmp     3b

        .code64
bsp64:
        call    load_data_segments
        movl    $pv_stacks + STACK_SIZE, %esp
        movl    %esi, %edi              /* upper halves are undefined after the switch */
        movl    %ebp, %esi
        call    pv_main
4:      cli
        hlt
        jmp     4b

ap64:
        call    load_data_segments
        movl    %ebp, %eax
        incq    %rax
        imulq   $STACK_SIZE, %rax
        leaq    pv_stacks(%rax), %rsp
        movl    %esi, %edi
        movl    %ebp, %esi
        call    pv_ap_main
5:      cli
        hlt
        jmp     5b

load_data_segments:
        movw    $0x10, %ax
        movw    %ax, %ds
        movw    %ax, %es
        movw    %ax, %ss
        movw    %ax, %fs
        movw    %ax, %gs
        ret

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
        .global pv_pml4, pv_pdpt, pv_pd, pv_stacks
pv_pml4:
        .space 4096
pv_pdpt:
        .space 4096
pv_pd:
        .space 4 * 4096
pv_stacks:                              /* vCPU i's stack: [i * STACK_SIZE, (i + 1) * STACK_SIZE) */
        .space MAX_VCPUS * STACK_SIZE

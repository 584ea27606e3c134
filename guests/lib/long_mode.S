/* SPDX-License-Identifier: MIT */
/* The start of a 64-bit guest (guest/long_mode.h): two 32-bit entries, each
 * in flat protected mode with paging off and GDTR and ESP undefined, that
 * switch to 64-bit mode (SDM Vol. 3A 10.8.5: CR4.PAE, CR3, EFER.LME, then
 * CR0.PG, then a far jump to a 64-bit code segment):
 *   _start      vCPU 0, from a Multiboot2 loader: EAX = 0x36d76289, EBX =
 *               the information (Multiboot2 spec 1.0, 3.3). It builds the
 *               page tables: the first 4 GiB identity-mapped, 2 MiB pages.
 *   ap_entry32  every other vCPU, from NUCLEO_HC_VCPU_START (docs/
 *               hypercalls.md): EAX = NUCLEO_HC_VCPU_START_MAGIC, EBX = the
 *               argument vCPU 0 passed, its index; vCPU 0's page tables. */
#include <guest/entry.inc>
#include <guest/long_mode.h>

        .set CR4_PAE, 0x20
        .set MSR_EFER, 0xC0000080
        .set EFER_LME, 0x100
        .set CR0_PG_PE, 0x80000001

        MULTIBOOT_START                 /* .bss holds the page tables and stacks */
        movl    $guest_stacks + GUEST_STACK_SIZE, %esp  /* vCPU 0's stack */
        /* PML4[0] -> PDPT; PDPT[0..3] -> the four page directories; each PD
         * entry a 2 MiB page (PS, RW, P): 2048 of them cover 4 GiB. */
        movl    $guest_pdpt, %eax
        orl     $3, %eax
        movl    %eax, guest_pml4
        movl    $guest_pd, %eax
        orl     $3, %eax
        xorl    %ecx, %ecx
1:      movl    %eax, guest_pdpt(,%ecx,8)
        addl    $4096, %eax
        incl    %ecx
        cmpl    $4, %ecx
        jb      1b
        xorl    %ecx, %ecx
2:      movl    %ecx, %eax
        shll    $21, %eax
        orl     $0x83, %eax
        movl    %eax, guest_pd(,%ecx,8) /* bits 32-63 stay 0: all below 4 GiB */
        incl    %ecx
        cmpl    $2048, %ecx
        jb      2b
        call    enter_long_mode32
        ljmp    $0x18, $bsp64

/* Both entries: GDT, PAE, CR3, EFER.LME, PG. Returns in 32-bit
 * compatibility mode; the caller's far jump loads the 64-bit CS. */
enter_long_mode32:
        lgdt    gdt64_ptr
        movl    %cr4, %eax
        orl     $CR4_PAE, %eax
        movl    %eax, %cr4
        movl    $guest_pml4, %eax
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
        cmpl    $GUEST_MAX_VCPUS, %ebp  /* no stack for an index this guest never passes */
        jae     3f
        movl    %ebp, %esp              /* a stack before the first CALL: this vCPU's, at its top */
        incl    %esp
        imull   $GUEST_STACK_SIZE, %esp
        addl    $guest_stacks, %esp
        call    enter_long_mode32
        ljmp    $0x18, $ap64
3:      cli
        hlt
        jmp     3b

        .code64
bsp64:
        LOAD_DATA_SEGMENTS 0x10
        movl    $guest_stacks + GUEST_STACK_SIZE, %esp
        movl    %esi, %edi              /* guest_main(magic, info); upper halves are undefined */
        movl    %ebp, %esi
        call    guest_main
4:      cli
        hlt
        jmp     4b

        .weak guest_ap_main             /* a guest without other vCPUs need not have it */
ap64:
        LOAD_DATA_SEGMENTS 0x10
        movl    %ebp, %eax
        incq    %rax
        imulq   $GUEST_STACK_SIZE, %rax
        leaq    guest_stacks(%rax), %rsp
        movl    %esi, %edi              /* guest_ap_main(magic, index) */
        movl    %ebp, %esi
        movabsq $guest_ap_main, %rax
        testq   %rax, %rax
        jz      5f
        call    *%rax
5:      cli
        hlt
        jmp     5b

        .section .rodata
        .balign 8
gdt64:
        .quad 0
        .quad 0x00cf9a000000ffff        /* 0x08: 32-bit code, flat */
        .quad 0x00cf92000000ffff        /* 0x10: data, flat */
        .quad 0x00af9a000000ffff        /* 0x18: 64-bit code (L) */
gdt64_end:
gdt64_ptr:
        .short gdt64_end - gdt64 - 1
        .quad gdt64

        .bss
        .balign 4096
        .global guest_pml4, guest_pdpt, guest_pd, guest_stacks
guest_pml4:
        .space 4096
guest_pdpt:
        .space 4096
guest_pd:
        .space 4 * 4096
guest_stacks:                           /* vCPU i's stack: [i * SIZE, (i + 1) * SIZE) */
        .space GUEST_MAX_VCPUS * GUEST_STACK_SIZE

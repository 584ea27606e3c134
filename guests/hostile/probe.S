/* SPDX-License-Identifier: MIT */
/* hostile: the IDT and the probe that contains each attempt. Every
 * exception vector 0-31 (SDM Vol. 3A 6.3.1, Table 6-1) has a 16-byte stub
 * that pushes a 0 where the CPU pushes no error code (Table 6-1, "Error
 * Code" column: 8, 10-14, 17, 21, 29, 30 have one), then the vector. Inside
 * probe() the common path records the fault and unwinds to probe()'s
 * caller, so a refused attempt ends as "contained: #GP" and the guest goes
 * on; outside one it is reported and the guest exits. NMIs (vector 2) and
 * interrupts 32-255 are only counted: the IPI attempts check that none
 * arrives that should not. Vector 0x80 (DPL 3) is how code at CPL 3 comes
 * back (6.12.1.1: the gate's DPL is checked for INT n). */
        .set ERRCODE_VECTORS, 0x60227D00 /* bit v set: vector v pushes an error code */
        .set KERNEL_DS, 0x10
        .set USER_CS, 0x1b
        .set USER_DS, 0x23
        .set LAPIC_EOI, 0xFEE000B0

        .text
        .code32
        .balign 16
exc_stubs:
        .set vec, 0
        .rept 32
        .balign 16
        .if ((ERRCODE_VECTORS >> vec) & 1) == 0
        pushl   $0
        .endif
        pushl   $vec
        jmp     exc_common
        .set vec, vec + 1
        .endr

        .balign 16
irq_stubs:
        .set vec, 32
        .rept 224
        .balign 16
        pushl   $vec
        jmp     irq_common
        .set vec, vec + 1
        .endr

exc_common:
        movw    $KERNEL_DS, %ax         /* a fault at CPL 3 arrives with the user's DS */
        movw    %ax, %ds
        movw    %ax, %es
        movw    %ax, %fs
        movw    %ax, %gs
        cmpl    $0, probe_armed
        je      1f
        movl    $0, probe_armed
        movl    4(%esp), %eax
        movl    %eax, probe_error
        movl    8(%esp), %eax
        movl    %eax, probe_eip
        movl    (%esp), %eax
        orl     $0x100, %eax            /* PROBE_FAULT | vector */
        movl    probe_esp, %esp
        jmp     probe_out
1:      pushl   8(%esp)                 /* unexpected_fault(vector, error, eip) */
        pushl   8(%esp)
        pushl   8(%esp)
        call    unexpected_fault
2:      cli
        hlt
        jmp     2b

nmi_entry:
        lock incl nmi_count
        iret

irq_common:
        pushl   %eax
        movl    4(%esp), %eax
        movl    %eax, irq_last_vector
        lock incl irq_count
        movl    $LAPIC_EOI, %eax
        movl    $0, (%eax)              /* C7 /0: a form the APIC-access decoder emulates */
        popl    %eax
        addl    $4, %esp
        iret

user_return:                            /* INT 0x80 from CPL 3: the user part returned */
        movw    $KERNEL_DS, %ax
        movw    %ax, %ds
        movw    %ax, %es
        movw    %ax, %fs
        movw    %ax, %gs
        movl    $0, probe_armed
        movl    probe_esp, %esp
        xorl    %eax, %eax
        jmp     probe_out

/* u32 probe(void (*fn)(void*), void* arg) */
        .global probe
probe:
        pushl   %ebp
        pushl   %ebx
        pushl   %esi
        pushl   %edi
        movl    %esp, probe_esp
        movl    20(%esp), %ecx
        movl    24(%esp), %eax
        pushl   %eax
        movl    $1, probe_armed
        call    *%ecx
        movl    $0, probe_armed
        addl    $4, %esp
        xorl    %eax, %eax
probe_out:
        popl    %edi
        popl    %esi
        popl    %ebx
        popl    %ebp
        ret

/* void enter_user(struct hc_regs*): called by probe(); IRET to CPL 3 with
 * IF = 0 and IOPL = 0, VMCALL there, INT 0x80 back (SDM Vol. 3A 6.14 is the
 * 64-bit form; here the 32-bit IRET to an outer level, 6.12.1). */
        .global enter_user
enter_user:
        movl    4(%esp), %eax
        movl    %eax, user_regs
        pushl   $USER_DS
        pushl   $user_stack_top
        pushl   $0x2
        pushl   $USER_CS
        pushl   $user_code
        movw    $USER_DS, %ax
        movw    %ax, %ds
        movw    %ax, %es
        movw    %ax, %fs
        movw    %ax, %gs
        iret
user_code:
        movl    user_regs, %edi
        movl    0(%edi), %eax
        movl    4(%edi), %ebx
        movl    8(%edi), %ecx
        movl    12(%edi), %edx
        movl    16(%edi), %esi
        vmcall
        movl    %eax, 0(%edi)
        movl    %ebx, 4(%edi)
        movl    %ecx, 8(%edi)
        movl    %edx, 12(%edi)
        movl    %esi, 16(%edi)
        int     $0x80

/* void idt_install(void): 32-bit interrupt gates (type 0xE, P = 1, Table
 * 6-2 / Figure 6-2), DPL 0 except 0x80 (DPL 3). */
        .global idt_install
idt_install:
        pushl   %ebx
        xorl    %ecx, %ecx
1:      cmpl    $2, %ecx
        je      2f
        cmpl    $0x80, %ecx
        je      3f
        cmpl    $32, %ecx
        jae     4f
        movl    %ecx, %eax
        shll    $4, %eax
        addl    $exc_stubs, %eax
        jmp     5f
2:      movl    $nmi_entry, %eax
        jmp     5f
3:      movl    $user_return, %eax
        jmp     5f
4:      movl    %ecx, %eax
        subl    $32, %eax
        shll    $4, %eax
        addl    $irq_stubs, %eax
5:      movl    %eax, %edx
        andl    $0xffff, %edx
        orl     $0x00080000, %edx       /* selector 0x08 in bits 31:16 */
        movl    %edx, idt(, %ecx, 8)
        andl    $0xffff0000, %eax
        orl     $0x8e00, %eax           /* P, DPL 0, 32-bit interrupt gate */
        cmpl    $0x80, %ecx
        jne     6f
        orl     $0x6000, %eax           /* DPL 3 */
6:      movl    %eax, idt + 4(, %ecx, 8)
        incl    %ecx
        cmpl    $256, %ecx
        jb      1b
        lidt    idt_ptr
        popl    %ebx
        ret

/* void idt_load_empty(void): limit 0, so the next exception cannot be
 * delivered: #GP, then #DF, then shutdown (6.15, interrupt 8). */
        .global idt_load_empty
idt_load_empty:
        lidt    empty_idt_ptr
        ret

        .data
        .balign 8
idt_ptr:
        .short 256 * 8 - 1
        .long idt
empty_idt_ptr:
        .short 0
        .long 0

        .bss
        .balign 8
idt:    .space 256 * 8
        .global probe_error, probe_eip, nmi_count, irq_count, irq_last_vector
probe_armed:     .long 0
probe_esp:       .long 0
probe_error:     .long 0
probe_eip:       .long 0
nmi_count:       .long 0
irq_count:       .long 0
irq_last_vector: .long 0
user_regs:       .long 0
        .balign 16
        .space 4096
user_stack_top:

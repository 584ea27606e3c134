/* SPDX-License-Identifier: MIT */
/* The first in-tree guest: a 32-bit protected-mode program (flat segments,
 * paging off, loaded at guest-physical 0x8000) that exercises one exit class
 * after another, checks what it sees like an unmodified program would (it
 * uses only architectural interfaces plus the hypercall ABI where it tests
 * VMCALL), prints through the emulated COM1, and exits through the
 * isa-debug-exit port 0xf4 with 0 when every check passed.
 *
 * Start state (from the hypervisor): EIP = 0x8000, ESP = 0x7ff0, EBX = mode:
 * 0 = checks only; 1 = then read unmapped guest-physical memory (the VM must
 * be stopped with the address); 2 = then triple fault. */
#include "guests/include/nucleo/hypercall.h"

#define COM1 0x3f8
#define DEBUG_EXIT 0xf4
#define IDT_ENTRIES 0x31                /* exceptions and the timer vector 0x30 */

        .code32
        .section .text
        .global _start
_start:
        cli
        movl    %ebx, mode
        lgdt    gdt_ptr
        ljmp    $0x08, $1f
1:      movw    $0x10, %ax
        movw    %ax, %ds
        movw    %ax, %es
        movw    %ax, %ss
        movw    %ax, %fs
        movw    %ax, %gs
        movl    $0x7ff0, %esp
        call    build_idt
        lidt    idt_ptr

        movl    $msg_hello, %esi
        call    puts

/* CPUID: the hypervisor leaf and signature, VMX hidden, hypervisor bit. */
        movl    $NUCLEO_CPUID_SIGNATURE_LEAF, %eax
        cpuid
        cmpl    $NUCLEO_CPUID_SIGNATURE_EBX, %ebx
        jne     1f
        cmpl    $NUCLEO_CPUID_SIGNATURE_ECX, %ecx
        jne     1f
        cmpl    $NUCLEO_CPUID_SIGNATURE_EDX, %edx
        jne     1f
        cmpl    $NUCLEO_CPUID_MAX_LEAF, %eax
1:      movl    $msg_cpuid_sig, %esi
        call    check
        movl    $1, %eax
        cpuid
        andl    $0x80000020, %ecx       /* hypervisor (31) set, VMX (5) clear */
        cmpl    $0x80000000, %ecx
        movl    $msg_cpuid_vmx, %esi
        call    check

/* String I/O: REP OUTSB of a whole line to COM1, then IN of its LSR. */
        movl    $msg_outsb, %esi
        movl    $msg_outsb_end - msg_outsb, %ecx
        movw    $COM1, %dx
        cld
        rep outsb
        movw    $COM1 + 5, %dx
        inb     %dx, %al
        cmpb    $0x60, %al
        movl    $msg_lsr, %esi
        call    check

/* RDMSR of an emulated MSR; WRMSR of a VMX capability MSR must #GP. */
        movl    $0x1b, %ecx
        rdmsr
        andl    $0xfffff900, %eax
        cmpl    $0xfee00900, %eax
        movl    $msg_rdmsr, %esi
        call    check
        movl    $after_wrmsr, resume_eip
        movl    gp_count, %edi
        movl    $0x480, %ecx
        xorl    %eax, %eax
        xorl    %edx, %edx
        wrmsr
after_wrmsr:
        incl    %edi
        cmpl    gp_count, %edi
        movl    $msg_wrmsr, %esi
        call    check

/* Control registers: CR4.VMXE is not the guest's (#GP); CR0.NE is owned by
 * the hypervisor, so clearing it shows in the shadow only. */
        movl    $after_cr4, resume_eip
        movl    gp_count, %edi
        movl    %cr4, %eax
        orl     $0x2000, %eax
        movl    %eax, %cr4
after_cr4:
        incl    %edi
        cmpl    gp_count, %edi
        movl    $msg_cr4, %esi
        call    check
        movl    %cr0, %eax
        andl    $~0x20, %eax
        movl    %eax, %cr0
        movl    %cr0, %eax
        testl   $0x20, %eax
        setz    %al
        cmpb    $1, %al
        movl    $msg_cr0, %esi
        call    check

/* XSETBV with OSXSAVE on: x87 + SSE, read back with XGETBV. */
        movl    %cr4, %eax
        orl     $0x40000, %eax          /* CR4.OSXSAVE */
        movl    %eax, %cr4
        movl    $3, %eax
        xorl    %edx, %edx
        xorl    %ecx, %ecx
        xsetbv
        xorl    %ecx, %ecx
        xgetbv
        cmpl    $3, %eax
        movl    $msg_xsetbv, %esi
        call    check

/* Cache flushes exit and come back. */
        wbinvd
        invd
        xorl    %eax, %eax
        movl    $msg_wbinvd, %esi
        call    check

/* A VMX instruction in a VM without VMX: #UD. */
        movl    $after_vmxon, resume_eip
        movl    ud_count, %edi
        vmxon   vmxon_region
after_vmxon:
        incl    %edi
        cmpl    ud_count, %edi
        movl    $msg_vmxon, %esi
        call    check

/* INT3 is intercepted (#BP in the exception bitmap) and reflected. */
        movl    bp_count, %edi
        int3
        incl    %edi
        cmpl    bp_count, %edi
        movl    $msg_int3, %esi
        call    check

/* HLT with interrupts enabled returns. */
        sti
        hlt
        cli
        xorl    %eax, %eax
        movl    $msg_hlt, %esi
        call    check

/* Hypercalls: version, console write, a buffer outside the VM. */
        movl    $NUCLEO_HC_VERSION, %eax
        vmcall
        cmpl    $NUCLEO_HC_ABI_VERSION, %eax
        movl    $msg_hc_version, %esi
        call    check
        movl    $NUCLEO_HC_CONSOLE_WRITE, %eax
        movl    $msg_hc_console, %ebx
        movl    $msg_hc_console_end - msg_hc_console, %ecx
        vmcall
        cmpl    $msg_hc_console_end - msg_hc_console, %eax
        movl    $msg_hc_write, %esi
        call    check
        movl    $NUCLEO_HC_CONSOLE_WRITE, %eax
        movl    $0xfffff000, %ebx
        movl    $64, %ecx
        vmcall
        cmpl    $NUCLEO_HC_E_RANGE, %eax
        movl    $msg_hc_range, %esi
        call    check

/* The hypercall one-shot timer: its interrupt wakes HLT. */
        movl    timer_count, %edi
        movl    $NUCLEO_HC_TIMER_ONESHOT, %eax
        movl    $20000, %ebx
        movl    $0x30, %ecx
        vmcall
        sti
        hlt
        cli
        incl    %edi
        cmpl    timer_count, %edi
        movl    $msg_timer_hlt, %esi
        call    check

/* A timer that expires while interrupts are off: the interrupt waits for
 * the window that opens after STI (an interrupt-window exit). */
        movl    timer_count, %edi
        movl    $NUCLEO_HC_TIMER_ONESHOT, %eax
        xorl    %ebx, %ebx
        movl    $0x30, %ecx
        vmcall
        xorl    %eax, %eax
        cpuid                           /* an exit with IF = 0: still pending */
        sti
        nop
        cli
        incl    %edi
        cmpl    timer_count, %edi
        movl    $msg_timer_window, %esi
        call    check

/* Spin long enough for the preemption timer to slice the vCPU. */
        movl    $300000, %ecx
1:      decl    %ecx
        jnz     1b
        xorl    %eax, %eax
        movl    $msg_spin, %esi
        call    check

        movl    failures, %eax
        testl   %eax, %eax
        jnz     .Lfailed
        movl    $msg_all_passed, %esi
        call    puts

        cmpl    $1, mode
        je      .Lunmapped
        cmpl    $2, mode
        je      .Ltriple
        xorl    %eax, %eax
        outb    %al, $DEBUG_EXIT
        jmp     .Lhang
.Lfailed:
        movl    $msg_failed, %esi
        call    puts
        movb    $1, %al
        outb    %al, $DEBUG_EXIT
.Lhang: cli
        hlt
        jmp     .Lhang

.Lunmapped:
        movl    $msg_unmapped, %esi
        call    puts
        movl    0xc0000000, %eax        /* not RAM: the VM must be stopped here */
        movb    $3, %al
        outb    %al, $DEBUG_EXIT
        jmp     .Lhang
.Ltriple:
        movl    $msg_triple, %esi
        call    puts
        lidt    null_idt
        int3                            /* no IDT: #GP, #DF, then triple fault */
        jmp     .Lhang

/* check: ZF set = pass. Prints "<message>: ok" or "... FAILED". */
check:
        pushfl
        call    puts
        popfl
        jnz     1f
        movl    $msg_ok, %esi
        jmp     puts
1:      incl    failures
        movl    $msg_fail, %esi
        jmp     puts

/* puts: ESI = NUL-terminated string, to COM1 one OUT per byte. */
puts:
        pushl   %eax
        pushl   %edx
        movw    $COM1, %dx
1:      lodsb
        testb   %al, %al
        jz      2f
        outb    %al, %dx
        jmp     1b
2:      popl    %edx
        popl    %eax
        ret

/* IDT: #BP (trap: count, return after INT3), #UD and #GP (faults: count and
 * resume at resume_eip). Every other vector points at a catch-all that
 * reports and exits with 2. */
build_idt:
        movl    $idt, %edi
        xorl    %ecx, %ecx
1:      movl    $unexpected, %eax
        cmpl    $3, %ecx
        jne     2f
        movl    $on_bp, %eax
2:      cmpl    $6, %ecx
        jne     3f
        movl    $on_ud, %eax
3:      cmpl    $13, %ecx
        jne     5f
        movl    $on_gp, %eax
5:      cmpl    $0x30, %ecx
        jne     4f
        movl    $on_timer, %eax
4:      movw    %ax, (%edi)
        movw    $0x08, 2(%edi)
        movw    $0x8e00, 4(%edi)        /* present, DPL 0, 32-bit interrupt gate */
        shrl    $16, %eax
        movw    %ax, 6(%edi)
        addl    $8, %edi
        incl    %ecx
        cmpl    $IDT_ENTRIES, %ecx
        jb      1b
        ret

on_bp:
        incl    bp_count
        iret
on_timer:                               /* vector 0x30: the hypercall timer */
        incl    timer_count
        iret
on_ud:
        incl    ud_count
        pushl   %eax
        movl    resume_eip, %eax
        movl    %eax, 4(%esp)           /* saved EIP */
        popl    %eax
        iret
on_gp:
        incl    gp_count
        addl    $4, %esp                /* error code */
        pushl   %eax
        movl    resume_eip, %eax
        movl    %eax, 4(%esp)
        popl    %eax
        iret
unexpected:
        movl    $msg_unexpected, %esi
        call    puts
        movb    $2, %al
        outb    %al, $DEBUG_EXIT
        jmp     .Lhang

        .section .data
        .balign 8
gdt:
        .quad 0
        .quad 0x00cf9a000000ffff        /* 0x08 code */
        .quad 0x00cf92000000ffff        /* 0x10 data */
gdt_ptr:
        .short gdt_ptr - gdt - 1
        .long gdt
idt_ptr:
        .short IDT_ENTRIES * 8 - 1
        .long idt
null_idt:
        .short 0
        .long 0
mode:           .long 0
failures:       .long 0
bp_count:       .long 0
ud_count:       .long 0
gp_count:       .long 0
timer_count:    .long 0
resume_eip:     .long 0
        .balign 8
vmxon_region:   .quad 0x9000

msg_hello:      .asciz "test guest: 32-bit protected mode, paging off; exercising every exit class\n"
msg_cpuid_sig:  .asciz "cpuid: hypervisor leaf 0x40000000 says NucleoNucleo"
msg_cpuid_vmx:  .asciz "cpuid: VMX hidden, hypervisor bit set"
msg_outsb:      .ascii "string I/O: rep outsb reached COM1\n"
msg_outsb_end:
                .byte 0
msg_lsr:        .asciz "io: COM1 line status reads 0x60"
msg_rdmsr:      .asciz "rdmsr: IA32_APIC_BASE is 0xfee00900"
msg_wrmsr:      .asciz "wrmsr: IA32_VMX_BASIC raises #GP"
msg_cr4:        .asciz "cr4: setting VMXE raises #GP"
msg_cr0:        .asciz "cr0: clearing NE shows in the read shadow"
msg_xsetbv:     .asciz "xsetbv: XCR0 = x87|SSE"
msg_wbinvd:     .asciz "wbinvd/invd: handled"
msg_vmxon:      .asciz "vmxon: raises #UD"
msg_int3:       .asciz "int3: #BP intercepted and reflected"
msg_hlt:        .asciz "hlt: returned"
msg_hc_version: .asciz "vmcall: ABI version 1"
msg_hc_console: .ascii "vmcall: console write reached the console\n"
msg_hc_console_end:
                .byte 0
msg_hc_write:   .asciz "vmcall: console write returned its length"
msg_hc_range:   .asciz "vmcall: a buffer outside the VM is refused"
msg_timer_hlt:  .asciz "timer: the one-shot timer interrupt woke HLT"
msg_timer_window: .asciz "timer: an interrupt pending while IF = 0 arrived through the interrupt window"
msg_spin:       .asciz "spin: 300000 iterations under the preemption timer"
msg_ok:         .asciz ": ok\n"
msg_fail:       .asciz ": FAILED\n"
msg_all_passed: .asciz "test guest: all checks passed\n"
msg_failed:     .asciz "test guest: some checks FAILED\n"
msg_unmapped:   .asciz "test guest: now reading guest-physical 0xc0000000 (not RAM)\n"
msg_triple:     .asciz "test guest: now triple-faulting\n"
msg_unexpected: .asciz "test guest: unexpected exception\n"

        .section .bss
        .balign 8
idt:    .skip IDT_ENTRIES * 8

/* SPDX-License-Identifier: MIT */
/* guest/smp.h: starting the application processors of a 32-bit guest
 * (protected mode, paging off) with INIT, SIPI, SIPI (SDM Vol. 3A 10.4.4.1,
 * the MP initialization protocol). smp32.S's real-mode trampoline is copied
 * to SMP_TRAMPOLINE (below 1 MiB, page-aligned: the SIPI vector is its page
 * number); an AP starts there, loads the guest's GDT (start32.S), enters
 * protected mode, takes one of the SMP_MAX_CPUS - 1 stacks, loads the IDT
 * (guest/idt.h), enables its local APIC (lapic_enable_ap) and calls
 * entry(cpu). An AP whose entry returns idles in STI; HLT, still taking
 * interrupts. Needs lapic_init() and idt_init() on the BSP first. */
#ifndef GUEST_SMP_H
#define GUEST_SMP_H

/* Also read by smp32.S. */
#define SMP_MAX_CPUS 16      /* the BSP and up to 15 APs */
#define SMP_STACK_SIZE 8192  /* each AP's */
#define SMP_TRAMPOLINE 0x8000

#ifndef __ASSEMBLER__
#include <guest/types.h>

/* Starts the APs with APIC IDs 1..count (nucleo numbers a VM's APICs by
 * vCPU index, as its MADT says) one after another, each given cpu = its
 * APIC ID; returns how many came online within a bounded wait each. */
u32 smp_start_aps(u32 count, void (*entry)(u32 cpu));

/* The pieces, for a guest that finds its APIC IDs itself (in the MADT) or
 * waits its own way. smp_prepare copies the trampoline and sets the entry;
 * smp_start_ap sends INIT, waits 10 ms, sends SIPI, waits 200 us and sends
 * the second SIPI unless the AP is already online (false if an IPI stayed
 * pending); the AP then calls entry(cpu) with this cpu (1..SMP_MAX_CPUS-1),
 * or entry(0) if its APIC ID was not one the BSP started. */
void smp_prepare(void (*entry)(u32 cpu));
bool smp_start_ap(u32 apic_id, u32 cpu);
bool smp_online(u32 cpu);
/* The waits of smp_start_ap. The default spins on the TSC for 20 ticks per
 * microsecond, which is only right for an emulated CPU (Bochs's TSC) and a
 * virtual AP that needs no settling time; a guest for real hardware passes
 * a calibrated delay. */
void smp_set_delay(void (*delay_us)(u32 us));
#endif

#endif

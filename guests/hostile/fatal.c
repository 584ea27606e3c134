/* SPDX-License-Identifier: MIT */
/* The attempts that end the VM by design, one per boot (nucleo restarts the
 * VM from its image with on_crash = "restart" and appends nucleo.boot=N).
 *
 * A guest names memory only by guest-physical address, and EPT translates
 * every GPA: GPA 0x100000 is this VM's RAM, not the hypervisor's image at
 * host-physical 1 MiB, and no GPA names another VM's RAM. So "the
 * hypervisor's memory" and "another VM's memory" can only be attacked
 * through GPAs that EPT does not map: an access there is an EPT violation
 * (SDM Vol. 3C 29.3.3.2) and the hypervisor stops the VM with a diagnostic
 * naming the address, the access and RIP. */
#include "hostile.h"

enum { PAGE_PRESENT = 1, PAGE_WRITE = 2, PAGE_LARGE = 0x80, TWO_MIB = 0x200000 };

/* PAE paging (SDM Vol. 3A 5.4): a 32-byte PDPT, 2 MiB pages. Linear 0-1 GiB
 * is the identity; linear 1 GiB starts at physical 4 GiB, a GPA a 32-bit
 * guest cannot reach with paging off. */
static u64 pdpt[4] __attribute__((aligned(32)));
static u64 pd_low[512] __attribute__((aligned(4096)));
static u64 pd_high[512] __attribute__((aligned(4096)));

void attack_far_write(void) {
  for (u32 i = 0; i < 512; ++i) pd_low[i] = (u64)i * TWO_MIB | PAGE_PRESENT | PAGE_WRITE | PAGE_LARGE;
  pd_high[0] = 0x100000000ull | PAGE_PRESENT | PAGE_WRITE | PAGE_LARGE;
  pdpt[0] = (u32)pd_low | PAGE_PRESENT;
  pdpt[1] = (u32)pd_high | PAGE_PRESENT;
  say("far write: PAE paging on, writing GPA 0x100100000 (4 GiB + 1 MiB, far above RAM) through linear 0x40100000; "
      "the hypervisor must stop this VM");
  __asm__ volatile(
      "movl %%cr4, %%eax\n\t"
      "orl $0x20, %%eax\n\t" /* CR4.PAE */
      "movl %%eax, %%cr4\n\t"
      "movl %0, %%cr3\n\t"
      "movl %%cr0, %%eax\n\t"
      "orl $0x80000000, %%eax\n\t" /* CR0.PG */
      "movl %%eax, %%cr0\n\t"
      "movl $0x686f7374, (%1)\n\t" /* "host" */
      "movl %%cr0, %%eax\n\t"
      "andl $0x7fffffff, %%eax\n\t"
      "movl %%eax, %%cr0\n\t" ::"r"((u32)pdpt),
      "r"(0x40100000u)
      : "eax", "memory");
  say("  -> the write to GPA 0x100100000 returned: %s", verdict(false));
}

void attack_above_ram(u32 ram_end, u32 channels) {
  if (ram_end == 0) {
    say("above RAM: no available region in the memory map, nothing to try: %s", verdict(false));
    return;
  }
  /* A channel's region follows RAM at the next 2-MiB boundary
   * (docs/hypercalls.md); the first byte past this VM's memory is past it. */
  const u32 past = channels ? ((ram_end + 0x1FFFFF) & ~0x1FFFFFu) + channels * 0x1000 : ram_end;
  say("above RAM: writing GPA %x, the first byte past this VM's RAM%s; the hypervisor must stop this VM", past,
      channels ? " and its channel region" : "");
  mmio_write32(past, 0x6f746865); /* "ehto" */
  say("  -> the write to GPA %x returned: %s", past, verdict(false));
}

void attack_triple_fault(void) {
  say("triple fault: empty IDT (limit 0), then UD2: #UD cannot be delivered -> #GP -> #DF -> shutdown; "
      "the hypervisor must stop this VM");
  idt_load_empty();
  __asm__ volatile("ud2");
  say("  -> UD2 returned: %s", verdict(false));
}

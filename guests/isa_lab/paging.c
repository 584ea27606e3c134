/* SPDX-License-Identifier: MIT */
/* 32-bit paging (SDM Vol. 3A 5.3): the page directory maps the whole 4 GiB
 * identity with 4-MiB pages (CR4.PSE), except the 4 MiB at WINDOW_LINEAR,
 * which go through one page table whose first entry points at page A or
 * page B. Every vCPU loads the same CR3. */
#include "lab.h"

enum { PDE_P = 1, PDE_RW = 2, PDE_PCD = 1u << 4, PDE_PS = 1u << 7, CR4_PSE = 1u << 4, CR0_PG = 1u << 31 };

static u32 g_directory[1024] __attribute__((aligned(4096)));
static u32 g_table[1024] __attribute__((aligned(4096)));
static u32 g_pages[2][1024] __attribute__((aligned(4096)));

void paging_init(void) {
  for (u32 i = 0; i < 1024; ++i) {
    /* The top 4 MiB hold the local APIC: uncached (SDM Vol. 3A 11.4.1). */
    g_directory[i] = (i << 22) | PDE_PS | PDE_RW | PDE_P | (i == 1023 ? PDE_PCD : 0);
  }
  g_directory[WINDOW_LINEAR >> 22] = (u32)(uptr)g_table | PDE_RW | PDE_P;
  window_map(0);
}

void paging_enable(void) {
  u32 cr0, cr4;
  __asm__ volatile("mov %%cr4, %0" : "=r"(cr4));
  __asm__ volatile("mov %0, %%cr4" ::"r"(cr4 | CR4_PSE));
  __asm__ volatile("mov %0, %%cr3" ::"r"((u32)(uptr)g_directory) : "memory");
  __asm__ volatile("mov %%cr0, %0" : "=r"(cr0));
  __asm__ volatile("mov %0, %%cr0" ::"r"(cr0 | CR0_PG) : "memory");
}

void window_map(u32 which) {
  __atomic_store_n(&g_table[0], (u32)(uptr)g_pages[which & 1] | PDE_RW | PDE_P, __ATOMIC_SEQ_CST);
}

volatile u32* window_page(u32 which) { return g_pages[which & 1]; }

/* SPDX-License-Identifier: MIT */
/* Identity mappings with 2 MiB pages (SDM Vol. 3A 5.5, 4-level paging:
 * PML4 -> PDPT -> PD with PS set) for what lies beyond the first 4 GiB
 * long_mode.S maps, such as a channel region the hypervisor placed high. Page
 * tables for them come from a small pool; the vCPUs share the tables. */
#include "pv.h"

enum { PRESENT_RW = 3, PAGE_2M = 0x83, POOL_PAGES = 6 };

static u64 g_pool[POOL_PAGES][512] __attribute__((aligned(4096)));
static u32 g_pool_used;

/* The table an entry points to, made (zeroed, from the pool) if absent. */
static u64* next_table(u64* entry) {
  if (*entry & 1) return (u64*)(*entry & 0x000ffffffffff000ull);
  if (g_pool_used == POOL_PAGES) return 0;
  u64* table = g_pool[g_pool_used++];
  *entry = (u64)table | PRESENT_RW;
  return table;
}

bool map_identity(u64 start, u64 size) {
  if (size == 0 || start + size < start || start + size > (1ull << 46)) return false;
  for (u64 a = start & ~0x1fffffull; a < start + size; a += 0x200000) {
    u64* pdpt = next_table(&guest_pml4[(a >> 39) & 511]);
    u64* pd = pdpt ? next_table(&pdpt[(a >> 30) & 511]) : 0;
    if (!pd) return false;
    pd[(a >> 21) & 511] = a | PAGE_2M;
  }
  u64 cr3;
  __asm__ volatile("movq %%cr3, %0; movq %0, %%cr3" : "=r"(cr3)::"memory"); /* no stale entries */
  return true;
}

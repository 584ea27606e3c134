/* SPDX-License-Identifier: MIT */
/* guest/lapic.h: the local APIC in xAPIC mode (SDM Vol. 3A chapter 11) at
 * the address IA32_APIC_BASE gives. A 32-bit guest with paging off reaches
 * it as a physical address; a 64-bit guest must map the APIC page
 * identity (the 4 GiB identity map of lib/long_mode.S does). */
#ifndef GUEST_LAPIC_H
#define GUEST_LAPIC_H

#include <guest/io.h>
#include <guest/types.h>

/* Register offsets in the APIC page (SDM Vol. 3A Table 11-1). */
enum {
  APIC_ID = 0x20, APIC_VERSION = 0x30, APIC_TPR = 0x80, APIC_EOI = 0xB0, APIC_LDR = 0xD0, APIC_DFR = 0xE0,
  APIC_SVR = 0xF0, APIC_ISR = 0x100, APIC_IRR = 0x200, APIC_ESR = 0x280, APIC_ICR_LOW = 0x300, APIC_ICR_HIGH = 0x310,
  APIC_LVT_TIMER = 0x320, APIC_LVT_LINT0 = 0x350, APIC_LVT_LINT1 = 0x360, APIC_LVT_ERROR = 0x370,
  APIC_TIMER_INITIAL = 0x380, APIC_TIMER_CURRENT = 0x390, APIC_TIMER_DIVIDE = 0x3E0,
};
/* IA32_APIC_BASE (SDM Vol. 3A 11.4.4). */
enum { MSR_APIC_BASE = 0x1B, APIC_BASE_BSP = 1u << 8, APIC_BASE_X2APIC = 1u << 10, APIC_BASE_ENABLE = 1u << 11 };
enum {
  APIC_SVR_ENABLE = 1u << 8,
  APIC_LVT_MASKED = 1u << 16,
  APIC_LVT_PERIODIC = 1u << 17,     /* timer mode (SDM Vol. 3A 11.5.4) */
  APIC_LVT_TSC_DEADLINE = 2u << 17,
  APIC_DIVIDE_BY_1 = 0xB,
  LAPIC_SPURIOUS_VECTOR = 0xff,     /* in the SVR; never acknowledged with an EOI (11.9) */
};
/* ICR low (SDM Vol. 3A 11.6.1, Figure 11-12): delivery mode, level,
 * shorthand; the vector in bits 7:0. */
enum {
  ICR_FIXED = 0u << 8, ICR_NMI = 0x4400, ICR_INIT = 0x4500, ICR_STARTUP = 0x4600, ICR_LOGICAL = 1u << 11,
  ICR_PENDING = 1u << 12, ICR_ASSERT = 1u << 14, ICR_SELF = 1u << 18, ICR_ALL_BUT_SELF = 3u << 18,
};

/* The APIC page's address, 0 until lapic_init() found it. */
extern uptr g_lapic_base;

/* One MOV per access (guest/io.h, mmio_read32): what nucleo's APIC-access
 * emulation decodes, and what Linux's readl/writel do. */
static inline u32 lapic_read(u32 reg) { return mmio_read32(g_lapic_base + reg); }
static inline void lapic_write(u32 reg, u32 v) { mmio_write32(g_lapic_base + reg, v); }
static inline void lapic_eoi(void) { lapic_write(APIC_EOI, 0); }
/* This CPU's APIC ID (bits 31:24 of the ID register); 0 before lapic_init. */
static inline u32 lapic_id(void) { return g_lapic_base ? lapic_read(APIC_ID) >> 24 : 0; }

/* On the BSP: finds the APIC (false when it is in x2APIC mode or above
 * 4 GiB), then lapic_enable_ap(); true when the SVR says enabled. */
bool lapic_init(void);
/* On every CPU: the global enable in IA32_APIC_BASE, the SVR's software
 * enable with LAPIC_SPURIOUS_VECTOR, TPR 0, timer divide-by-1 and masked. */
void lapic_enable_ap(void);
/* An IPI: the destination (ICR high) first, then ICR low, whose write sends
 * it; then delivery status polled, bounded. False if it stayed pending. */
bool send_ipi(u32 apic_id, u32 icr_low);

#endif

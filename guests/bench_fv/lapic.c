/* SPDX-License-Identifier: MIT */
/* The local APIC in xAPIC mode (SDM Vol. 3A chapter 11) and the IDT. The
 * APIC is software-enabled through the spurious-interrupt vector register,
 * its timer counts at divide-by-1 and is calibrated against the TSC (the
 * workloads give delays in TSC ticks). */
#include "fv.h"

enum { MSR_APIC_BASE = 0x1B, BASE_ENABLE = 1u << 11, BASE_X2APIC = 1u << 10 };
enum { SVR_ENABLE = 1u << 8, LVT_MASKED = 1u << 16, ICR_PENDING = 1u << 12, DIVIDE_BY_1 = 0xB };
enum { CALIBRATION_COUNTS = 200000, MAX_POLLS = 1000000 };

volatile u32* g_lapic;
u32 g_tsc_per_count_x256;

void lapic_enable_ap(void) {
  u64 base = rdmsr(MSR_APIC_BASE);
  if (!(base & BASE_ENABLE)) wrmsr(MSR_APIC_BASE, base | BASE_ENABLE);
  lapic_write(APIC_SVR, SVR_ENABLE | VEC_SPURIOUS);
  lapic_write(APIC_TIMER_DIVIDE, DIVIDE_BY_1);
  lapic_write(APIC_LVT_TIMER, LVT_MASKED | VEC_TIMER);
}

bool lapic_init(void) {
  const u64 base = rdmsr(MSR_APIC_BASE);
  if ((base & BASE_X2APIC) || (base >> 32)) return false;
  g_lapic = (volatile u32*)((u32)base & 0xfffff000u);
  lapic_enable_ap();
  return (lapic_read(APIC_SVR) & SVR_ENABLE) != 0;
}

/* SDM Vol. 3A 11.6.1: the destination (ICR high) first; writing ICR low
 * sends. Delivery status is polled, bounded. */
void send_ipi(u32 apic_id, u32 icr_low) {
  lapic_write(APIC_ICR_HIGH, apic_id << 24);
  lapic_write(APIC_ICR_LOW, icr_low);
  for (u32 i = 0; i < MAX_POLLS && (lapic_read(APIC_ICR_LOW) & ICR_PENDING); ++i) pause();
}

/* A masked one-shot count of CALIBRATION_COUNTS, timed with the TSC from
 * the initial-count write until the current count reads 0. */
bool calibrate_lapic_timer(void) {
  lapic_write(APIC_LVT_TIMER, LVT_MASKED | VEC_TIMER);
  const u64 t0 = rdtsc();
  lapic_write(APIC_TIMER_INITIAL, CALIBRATION_COUNTS);
  for (u32 i = 0; i < MAX_POLLS && lapic_read(APIC_TIMER_CURRENT) != 0; ++i) pause();
  const u64 ticks = rdtsc() - t0;
  if (lapic_read(APIC_TIMER_CURRENT) != 0 || ticks >> 24) return false;
  g_tsc_per_count_x256 = (u32)(ticks * 256) / CALIBRATION_COUNTS;
  return g_tsc_per_count_x256 != 0;
}

struct __attribute__((packed)) gate {
  u16 offset_low, selector;
  u8 zero, type;
  u16 offset_high;
};
struct __attribute__((packed)) idt_ptr {
  u16 limit;
  u32 base;
};

extern const u8 isr_stubs[];
static struct gate g_idt[256];
static const u8 kVectors[] = {VEC_TIMER, VEC_SELF, VEC_PING, VEC_PONG, VEC_SPURIOUS};

static void set_gate(u32 vector, u32 stub_index) {
  const u32 addr = (u32)isr_stubs + 16 * stub_index; /* entry.S: 16-byte stubs, 0-31 then kVectors */
  g_idt[vector] = (struct gate){(u16)addr, 0x08, 0, 0x8E /* 32-bit interrupt gate */, (u16)(addr >> 16)};
}

void idt_init(void) {
  for (u32 v = 0; v < 32; ++v) set_gate(v, v);
  for (u32 i = 0; i < sizeof kVectors; ++i) set_gate(kVectors[i], 32 + i);
  idt_load();
}

void idt_load(void) {
  struct idt_ptr p = {sizeof g_idt - 1, (u32)g_idt};
  __asm__ volatile("lidt %0" ::"m"(p));
}

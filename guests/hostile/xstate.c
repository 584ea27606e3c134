/* SPDX-License-Identifier: MIT */
/* XSETBV against the rules of SDM Vol. 1 13.3 (x87 always set; AVX needs
 * SSE; MPX's BNDREGS and BNDCSR, AMX's XTILECFG and XTILEDATA both or
 * neither; AVX-512's three all or none; supervisor and reserved bits never)
 * and Vol. 2C XSETBV (#GP for ECX != 0): each must #GP and leave XCR0 as it
 * was, and the host, whose own XSETBV would fault in VMX root operation,
 * must never see such a value (issue 13, hole 1).
 *
 * Then the state a crash must not carry into the next boot (hole 8): the
 * MSRs the hypervisor passes through (STAR, LSTAR, CSTAR, SFMASK,
 * KERNEL_GS_BASE, TSC_AUX), XCR0, and x87/SSE/AVX registers get markers
 * before stage 0 ends the VM; stage 1 reads them back and must find their
 * power-on values (SDM Vol. 3A 10.1.1, Table 10-1; Vol. 4 Table 2-2). */
#include "hostile.h"

enum { GP = PROBE_FAULT | 13 };
enum { CR4_OSFXSR = 1u << 9, CR4_OSXSAVE = 1u << 18 };
enum { STAR = 0xC0000081, LSTAR = 0xC0000082, CSTAR = 0xC0000083, SFMASK = 0xC0000084 };
enum { KERNEL_GS_BASE = 0xC0000102, TSC_AUX = 0xC0000103 };

static u32 read_cr4(void) {
  u32 v;
  __asm__ volatile("mov %%cr4, %0" : "=r"(v));
  return v;
}
static void write_cr4(u32 v) { __asm__ volatile("mov %0, %%cr4" ::"r"(v) : "memory"); }
static u64 xgetbv0(void) {
  u32 lo, hi;
  __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0u));
  return (u64)hi << 32 | lo;
}

struct xcr {
  u32 index;
  u64 value;
};
static void do_xsetbv(void* p) {
  const struct xcr* x = p;
  __asm__ volatile("xsetbv" ::"c"(x->index), "a"((u32)x->value), "d"((u32)(x->value >> 32)));
}

static bool cpuid_bit(u32 leaf, u32 reg, u32 bit) {
  u32 r[4];
  cpuid(leaf & 0x80000000u, 0, r);
  if (r[0] < leaf) return false;
  cpuid(leaf, 0, r);
  return (r[reg] >> bit) & 1;
}
static bool has_xsave(void) { return cpuid_bit(1, 2, 26); }
static bool has_avx(void) { return cpuid_bit(1, 2, 28); }
static bool has_long_mode(void) { return cpuid_bit(0x80000001u, 3, 29); }
static bool has_rdtscp(void) { return cpuid_bit(0x80000001u, 3, 27); }

static void try_xcr(const char* what, u32 index, u64 value, u32 expect) {
  say("xsetbv: XCR%u = %X (%s)", index, value, what);
  const u64 before = xgetbv0();
  struct xcr x = {index, value};
  const u32 fault = probe(do_xsetbv, &x);
  const u64 after = xgetbv0();
  const bool ok = fault == expect && after == (expect == 0 ? value : before);
  say("  -> %s, XCR0 now %X, expected %s: %s", fault_name(fault), after, fault_name(expect), verdict(ok));
}

void attack_xsetbv(void) {
  if (!has_xsave()) {
    say("xsetbv: skipped: CPUID.1:ECX.XSAVE is clear in this VM");
    return;
  }
  u32 d[4];
  cpuid(0xD, 0, d);
  say("xsetbv: the VM's CPUID.(EAX=0DH,ECX=0) allows XCR0 bits %X", (u64)d[3] << 32 | d[0]);
  write_cr4(read_cr4() | CR4_OSXSAVE);
  try_xcr("x87 clear", 0, 0x2, GP);
  try_xcr("AVX without SSE", 0, 0x5, GP);
  try_xcr("MPX BNDREGS without BNDCSR", 0, 0x3 | 1u << 3, GP);
  try_xcr("MPX BNDCSR without BNDREGS", 0, 0x3 | 1u << 4, GP);
  try_xcr("AMX XTILECFG without XTILEDATA", 0, 0x3 | 1u << 17, GP);
  try_xcr("AMX XTILEDATA without XTILECFG", 0, 0x3 | 1u << 18, GP);
  try_xcr("AVX-512 opmask without the ZMM components", 0, 0x7 | 1u << 5, GP);
  try_xcr("supervisor component 8 (processor trace)", 0, 0x3 | 1u << 8, GP);
  try_xcr("reserved bit 63", 0, 0x3 | 1ull << 63, GP);
  try_xcr("every bit", 0, ~0ull, GP);
  try_xcr("XCR1 (not writable)", 1, 0x1, GP);
  try_xcr("x87 and SSE: allowed", 0, 0x3, 0);
}

/* Markers: canonical addresses for the address MSRs (a non-canonical one
 * would #GP, SDM Vol. 4 Table 2-2), 32 bits for TSC_AUX. */
static const u64 marker_address = 0xFFFF80001234A000ull;
static const u32 marker_low = 0x5EC0DE01;

static void do_wrmsr(void* p) {
  const u64* m = p;
  __asm__ volatile("wrmsr" ::"c"((u32)m[0]), "a"((u32)m[1]), "d"((u32)(m[1] >> 32)));
}

static void set_msr(u32 msr, u64 value) {
  u64 m[2] = {msr, value};
  const u32 fault = probe(do_wrmsr, m);
  say("leftover: wrmsr %x = %X: %s", msr, value, fault ? fault_name(fault) : "done");
}

static u32 msr_list(u32 out[6]) {
  u32 n = 0;
  if (has_long_mode()) {
    out[n++] = STAR, out[n++] = LSTAR, out[n++] = CSTAR, out[n++] = SFMASK, out[n++] = KERNEL_GS_BASE;
  }
  if (has_rdtscp()) out[n++] = TSC_AUX;
  return n;
}

void set_leftover_state(void) {
  u32 msrs[6];
  const u32 n = msr_list(msrs);
  for (u32 i = 0; i < n; ++i)
    set_msr(msrs[i], msrs[i] == TSC_AUX || msrs[i] == SFMASK ? marker_low : marker_address);
  write_cr4(read_cr4() | CR4_OSFXSR | (has_xsave() ? CR4_OSXSAVE : 0));
  const u32 fcw = 0x27F, mxcsr = 0x3F80; /* precision 53 bits; rounding down */
  __asm__ volatile("fldcw %0; fld1; fld1" ::"m"(fcw));
  __asm__ volatile("ldmxcsr %0; movd %1, %%xmm0" ::"m"(mxcsr), "r"(marker_low));
  if (has_xsave() && has_avx()) {
    struct xcr x = {0, 0x7};
    const u32 fault = probe(do_xsetbv, &x);
    if (fault == 0) __asm__ volatile("vinsertf128 $1, %%xmm0, %%ymm0, %%ymm0" ::: "memory");
    say("leftover: XCR0 = %X (%s), YMM0 = the marker in both halves", xgetbv0(), fault_name(fault));
  }
  say("leftover: x87 control word %x, two values on the x87 stack, MXCSR %x, XMM0 %x", fcw, mxcsr, marker_low);
}

static void expect_value(const char* what, u64 value, u64 power_on) {
  say("reset: %s is %X, power-on value %X: %s", what, value, power_on, verdict(value == power_on));
}

void check_reset_state(void) {
  say("reset: what the crashed boot left must be gone");
  u32 msrs[6];
  const u32 n = msr_list(msrs);
  for (u32 i = 0; i < n; ++i) {
    const u64 v = rdmsr(msrs[i]);
    say("reset: MSR %x is %X, power-on value 0: %s", msrs[i], v, verdict(v == 0));
  }
  write_cr4(read_cr4() | CR4_OSFXSR | (has_xsave() ? CR4_OSXSAVE : 0));
  if (has_xsave()) expect_value("XCR0", xgetbv0(), 1);
  u16 fcw = 0, fsw = 0, ftw_full = 0;
  u32 env[7];
  __asm__ volatile("fnstcw %0; fnstsw %1; fnstenv %2" : "=m"(fcw), "=m"(fsw), "=m"(env));
  ftw_full = (u16)env[2];
  expect_value("the x87 control word", fcw, 0x40);
  expect_value("the x87 status word", fsw, 0);
  expect_value("the x87 tag word (every register +0.0)", ftw_full, 0x5555);
  u32 mxcsr = 0, xmm0 = 1;
  __asm__ volatile("stmxcsr %0; movd %%xmm0, %1" : "=m"(mxcsr), "=r"(xmm0));
  expect_value("MXCSR", mxcsr, 0x1F80);
  expect_value("XMM0 bits 31:0", xmm0, 0);
  if (has_xsave() && has_avx()) {
    struct xcr x = {0, 0x7};
    u32 high = 1;
    if (probe(do_xsetbv, &x) == 0)
      __asm__ volatile("vextractf128 $1, %%ymm0, %%xmm1; movd %%xmm1, %0" : "=r"(high));
    expect_value("YMM0 bits 159:128", high, 0);
  }
}

/* SPDX-License-Identifier: MIT */
/* MSRs and control-register bits the hypervisor owns. The VM has no VMX
 * (CPUID.1:ECX.VMX clear), so IA32_FEATURE_CONTROL (0x3A) reads as locked
 * and cannot be written, and the VMX capability MSRs 0x480-0x491 do not
 * exist: every WRMSR here must #GP(0) (SDM Vol. 4, Table 2-2; Vol. 3D
 * Appendix A). IA32_APIC_BASE with reserved bits, or EXTD without EN, #GPs
 * (Vol. 3A 11.12.5). EFER: reserved bits #GP; LME may be set with paging off
 * and means nothing until CR0.PG; LMA belongs to the processor (Vol. 3A
 * 2.2.1). CR4.VMXE #GPs where VMX is absent, as does a reserved CR4 bit
 * (Vol. 3A 2.5, "MOV - Move to/from Control Registers"). */
#include "hostile.h"

enum { GP = PROBE_FAULT | 13, MSR_FEATURE_CONTROL = 0x3A, MSR_APIC_BASE = 0x1B, MSR_EFER = 0xC0000080 };
enum { EFER_SCE = 1u << 0, EFER_LME = 1u << 8, EFER_LMA = 1u << 10, EFER_SVME = 1u << 12 };

struct msr_args {
  u32 msr, lo, hi;
};

static void do_rdmsr(void* p) {
  struct msr_args* m = p;
  __asm__ volatile("rdmsr" : "=a"(m->lo), "=d"(m->hi) : "c"(m->msr));
}
static void do_wrmsr(void* p) {
  const struct msr_args* m = p;
  __asm__ volatile("wrmsr" ::"c"(m->msr), "a"(m->lo), "d"(m->hi));
}

/* RDMSR; the probe result (0: the value is in *value). */
static u32 read_msr(u32 msr, u64* value) {
  struct msr_args m = {msr, 0, 0};
  const u32 fault = probe(do_rdmsr, &m);
  *value = (u64)m.hi << 32 | m.lo;
  return fault;
}

/* WRMSR `value`; `expect` is the probe result that means contained. */
static u32 write_msr(const char* what, u32 msr, u64 value, u32 expect) {
  say("msr: wrmsr %x (%s) = %X", msr, what, value);
  struct msr_args m = {msr, (u32)value, (u32)(value >> 32)};
  const u32 fault = probe(do_wrmsr, &m);
  say("  -> %s, expected %s: %s", fault_name(fault), fault_name(expect), verdict(fault == expect));
  return fault;
}

/* A write that the architecture accepts, checked by reading back. */
static void write_msr_readback(const char* what, u32 msr, u64 value, u64 expect_back) {
  say("msr: wrmsr %x (%s) = %X", msr, what, value);
  struct msr_args m = {msr, (u32)value, (u32)(value >> 32)};
  const u32 fault = probe(do_wrmsr, &m);
  u64 back = 0;
  const u32 rfault = fault ? fault : read_msr(msr, &back);
  const bool ok = rfault == 0 && back == expect_back;
  say("  -> %s, reads back %X (expected %X): %s", fault_name(rfault), back, expect_back, verdict(ok));
}

static void set_cr4(void* p) {
  const u32 v = *(const u32*)p;
  __asm__ volatile("movl %0, %%cr4" ::"r"(v));
}

static void try_cr4(const char* what, u32 bits) {
  if (!under_nucleo) {
    say("cr4: %s: skipped without nucleo (QEMU TCG retries some CR4 writes forever)", what);
    return;
  }
  u32 cr4;
  __asm__ volatile("movl %%cr4, %0" : "=r"(cr4));
  u32 v = cr4 | bits;
  say("cr4: mov cr4 = %x (%s; was %x)", v, what, cr4);
  const u32 fault = probe(set_cr4, &v);
  u32 after;
  __asm__ volatile("movl %%cr4, %0" : "=r"(after));
  const bool ok = fault == GP && after == cr4;
  say("  -> %s, cr4 now %x (expected #GP, unchanged): %s", fault_name(fault), after, verdict(ok));
}

void attack_msrs(void) {
  static const char* const vmx_names[18] = {
      "IA32_VMX_BASIC",           "IA32_VMX_PINBASED_CTLS",      "IA32_VMX_PROCBASED_CTLS", "IA32_VMX_EXIT_CTLS",
      "IA32_VMX_ENTRY_CTLS",      "IA32_VMX_MISC",               "IA32_VMX_CR0_FIXED0",     "IA32_VMX_CR0_FIXED1",
      "IA32_VMX_CR4_FIXED0",      "IA32_VMX_CR4_FIXED1",         "IA32_VMX_VMCS_ENUM",      "IA32_VMX_PROCBASED_CTLS2",
      "IA32_VMX_EPT_VPID_CAP",    "IA32_VMX_TRUE_PINBASED_CTLS", "IA32_VMX_TRUE_PROCBASED_CTLS",
      "IA32_VMX_TRUE_EXIT_CTLS",  "IA32_VMX_TRUE_ENTRY_CTLS",    "IA32_VMX_VMFUNC"};
  u64 v = 0;
  u32 f = read_msr(MSR_FEATURE_CONTROL, &v);
  say("msr: rdmsr 0x3a IA32_FEATURE_CONTROL: %s, value %X", fault_name(f), v);
  write_msr("IA32_FEATURE_CONTROL: lock + VMX outside SMX", MSR_FEATURE_CONTROL, 0x5, GP);
  write_msr("IA32_FEATURE_CONTROL: unlock", MSR_FEATURE_CONTROL, 0, GP);

  f = read_msr(0x480, &v);
  say("msr: rdmsr 0x480 IA32_VMX_BASIC: %s, expected #GP: %s", fault_name(f), verdict(f == GP));
  for (u32 i = 0; i < 18; ++i) write_msr(vmx_names[i], 0x480 + i, 0xFFFFFFFFFFFFFFFFull, GP);

  u64 apic_base = 0;
  f = read_msr(MSR_APIC_BASE, &apic_base);
  say("msr: rdmsr 0x1b IA32_APIC_BASE: %s, value %X", fault_name(f), apic_base);
  write_msr("IA32_APIC_BASE, reserved bit 0", MSR_APIC_BASE, apic_base | 1, GP);
  write_msr("IA32_APIC_BASE, reserved bit 9", MSR_APIC_BASE, apic_base | (1u << 9), GP);
  write_msr("IA32_APIC_BASE, base above the physical-address width", MSR_APIC_BASE, apic_base | (1ull << 52), GP);
  write_msr("IA32_APIC_BASE, EXTD without EN", MSR_APIC_BASE, (apic_base & ~(1ull << 11)) | (1u << 10), GP);
  u64 after = 0;
  f = read_msr(MSR_APIC_BASE, &after);
  say("msr: IA32_APIC_BASE afterwards %X, expected unchanged: %s", after, verdict(f == 0 && after == apic_base));

  u64 efer = 0;
  f = read_msr(MSR_EFER, &efer);
  say("msr: rdmsr 0xc0000080 EFER: %s, value %X", fault_name(f), efer);
  write_msr("EFER, reserved bit 1", MSR_EFER, efer | 2, GP);
  write_msr("EFER, reserved bit 63", MSR_EFER, efer | (1ull << 63), GP);
  write_msr("EFER.SVME (an Intel CPU has no SVM)", MSR_EFER, efer | EFER_SVME, GP);
  write_msr_readback("EFER.LMA with paging off: the processor's bit", MSR_EFER, efer | EFER_LMA, efer);
  write_msr_readback("EFER.LME with paging off: allowed, inert", MSR_EFER, efer | EFER_LME, efer | EFER_LME);
  write_msr_readback("EFER.LME + LMA with paging off", MSR_EFER, efer | EFER_LME | EFER_LMA, efer | EFER_LME);
  write_msr_readback("EFER restored", MSR_EFER, efer, efer);

  try_cr4("CR4.VMXE (bit 13)", 1u << 13);
  try_cr4("CR4 bit 31 (reserved)", 1u << 31);
}

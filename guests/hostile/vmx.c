/* SPDX-License-Identifier: MIT */
/* The VMX instructions (SDM Vol. 3C chapter 31 / Vol. 2 "VMX Instruction
 * Reference"). The VM has no VMX: CPUID.1:ECX.VMX is clear and CR4.VMXE
 * cannot be set, so each must raise #UD, as outside VMX operation on a
 * processor without it; under nucleo each exits and the hypervisor injects
 * #UD. */
#include "hostile.h"

static u64 vmcs_pointer = 0x200000;      /* "a VMXON region": a page of our own RAM */
static u64 invept_descriptor[2] = {0, 0}; /* EPTP 0, reserved 0 */

static void do_vmxon(void* p) { __asm__ volatile("vmxon %0" ::"m"(*(u64*)p)); }
static void do_vmptrld(void* p) { __asm__ volatile("vmptrld %0" ::"m"(*(u64*)p)); }
static void do_vmclear(void* p) { __asm__ volatile("vmclear %0" ::"m"(*(u64*)p)); }
static void do_vmread(void* p) {
  u32 v;
  __asm__ volatile("vmread %1, %0" : "=r"(v) : "r"(0x6C00u)); /* host CR0 */
  *(u32*)p = v;
}
static void do_vmwrite(void* p) {
  (void)p;
  __asm__ volatile("vmwrite %0, %1" ::"r"(0u), "r"(0x6C16u)); /* host RIP = 0 */
}
static void do_vmlaunch(void* p) {
  (void)p;
  __asm__ volatile("vmlaunch");
}
static void do_vmresume(void* p) {
  (void)p;
  __asm__ volatile("vmresume");
}
static void do_vmxoff(void* p) {
  (void)p;
  __asm__ volatile("vmxoff");
}
static void do_invept(void* p) { __asm__ volatile("invept %0, %1" ::"m"(*(u64*)p), "r"(2u)); }   /* all contexts */
static void do_invvpid(void* p) { __asm__ volatile("invvpid %0, %1" ::"m"(*(u64*)p), "r"(2u)); } /* all contexts */

static void try_instruction(const char* name, void (*fn)(void*), void* arg) {
  say("vmx: %s", name);
  const u32 fault = probe(fn, arg);
  say("  -> %s, expected #UD: %s", fault_name(fault), verdict(fault == (PROBE_FAULT | 6)));
}

void attack_vmx(void) {
  u32 scratch = 0;
  try_instruction("vmxon", do_vmxon, &vmcs_pointer);
  try_instruction("vmptrld", do_vmptrld, &vmcs_pointer);
  try_instruction("vmclear", do_vmclear, &vmcs_pointer);
  try_instruction("vmread (host CR0)", do_vmread, &scratch);
  try_instruction("vmwrite (host RIP)", do_vmwrite, 0);
  try_instruction("vmlaunch", do_vmlaunch, 0);
  try_instruction("vmresume", do_vmresume, 0);
  try_instruction("vmxoff", do_vmxoff, 0);
  try_instruction("invept (all contexts)", do_invept, invept_descriptor);
  try_instruction("invvpid (all contexts)", do_invvpid, invept_descriptor);
}

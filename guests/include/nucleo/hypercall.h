/* SPDX-License-Identifier: MIT */
/* The nucleo hypercall ABI, version 1 (reference: docs/hypercalls.md). One header for
 * the hypervisor and every guest, C, C++ or assembly, so the two sides cannot
 * drift apart.
 *
 * VMCALL from CPL 0 with the function number in RAX and arguments in RBX,
 * RCX, RDX, RSI; the result comes back in RAX (negative: an error below).
 * Other registers are preserved. The ABI is discoverable through CPUID leaf
 * 0x40000000 (signature "NucleoNucleo", max leaf) and 0x40000001 (EAX: ABI
 * version). */
#ifndef NUCLEO_HYPERCALL_H
#define NUCLEO_HYPERCALL_H

#define NUCLEO_CPUID_SIGNATURE_LEAF 0x40000000
#define NUCLEO_CPUID_INFO_LEAF      0x40000001
#define NUCLEO_CPUID_SIGNATURE_EBX  0x6c63754e /* "Nucl" */
#define NUCLEO_CPUID_SIGNATURE_ECX  0x754e6f65 /* "eoNu" */
#define NUCLEO_CPUID_SIGNATURE_EDX  0x6f656c63 /* "cleo" */
#define NUCLEO_HC_ABI_VERSION 1

/* Functions (RAX). */
#define NUCLEO_HC_VERSION       0 /* -> ABI version */
#define NUCLEO_HC_CONSOLE_WRITE 1 /* RBX guest-physical address, RCX length <= NUCLEO_HC_CONSOLE_MAX -> bytes */
#define NUCLEO_HC_EXIT          2 /* RBX exit code: the calling VM ends */
#define NUCLEO_HC_VCPU_INFO     3 /* -> RAX vCPU index, RBX vCPU count */
#define NUCLEO_HC_TIMER_ONESHOT 4 /* RBX delay in TSC ticks (< 2^40), RCX vector 32..255 -> 0;
                                     the interrupt arrives once, when the guest can take it */

#define NUCLEO_HC_CONSOLE_MAX 4096
#define NUCLEO_HC_TIMER_MAX_DELAY 0x10000000000

/* Errors (RAX, as a signed 64-bit value). */
#define NUCLEO_HC_E_UNKNOWN   (-1) /* no such function */
#define NUCLEO_HC_E_RANGE     (-2) /* an address or size outside the VM or its limits */
#define NUCLEO_HC_E_PRIVILEGE (-3) /* called from CPL > 0 */

#endif

/* SPDX-License-Identifier: MIT */
/* The nucleo hypercall ABI, version 2 (reference: docs/hypercalls.md). One header for
 * the hypervisor and every guest, C, C++ or assembly, so the two sides cannot
 * drift apart.
 *
 * VMCALL from CPL 0 with the function number in RAX and arguments in RBX,
 * RCX, RDX, RSI; the result comes back in RAX (negative: an error below),
 * further results in RBX, RCX, RDX where a function says so. Other registers
 * are preserved. Outside 64-bit mode only the low 32 bits of RAX, RBX, RCX,
 * RDX and RSI are read. The ABI is discoverable through CPUID leaf
 * 0x40000000 (signature "NucleoNucleo", max leaf) and 0x40000001 (EAX: ABI
 * version); leaf 0x40000002 lists the extended instructions the VM has
 * (guests/include/nucleo/isa.h, docs/isa/README.md).
 *
 * Version 2 added functions 5-15 and errors -4..-6; functions 0-4 and errors
 * -1..-3 are unchanged from version 1. Version 3 added functions 16 and 17
 * and the CPUID leaf 0x40000002. */
#ifndef NUCLEO_HYPERCALL_H
#define NUCLEO_HYPERCALL_H

#define NUCLEO_CPUID_SIGNATURE_LEAF 0x40000000
#define NUCLEO_CPUID_INFO_LEAF      0x40000001
#define NUCLEO_CPUID_ISA_LEAF       0x40000002 /* EAX: extensions enabled (bit = proposal id),
                                                  EBX: proposals the hypervisor knows,
                                                  ECX: 0x0A0F, the opcode map (0F 0A) */
#define NUCLEO_CPUID_MAX_LEAF       NUCLEO_CPUID_ISA_LEAF
#define NUCLEO_CPUID_SIGNATURE_EBX  0x6c63754e /* "Nucl" */
#define NUCLEO_CPUID_SIGNATURE_ECX  0x754e6f65 /* "eoNu" */
#define NUCLEO_CPUID_SIGNATURE_EDX  0x6f656c63 /* "cleo" */
#define NUCLEO_HC_ABI_VERSION 3

/* Functions (RAX). Functions 0-4 (version 1) ignore the argument registers
 * they do not name; from function 5 on, every argument register a function
 * does not name must be 0 (else NUCLEO_HC_E_INVALID), so later versions can
 * give them a meaning. */
#define NUCLEO_HC_VERSION       0 /* -> ABI version */
#define NUCLEO_HC_CONSOLE_WRITE 1 /* RBX guest-physical address, RCX length <= NUCLEO_HC_CONSOLE_MAX -> bytes */
#define NUCLEO_HC_EXIT          2 /* RBX exit code: the calling VM ends (shutdown) */
#define NUCLEO_HC_VCPU_INFO     3 /* -> RAX vCPU index, RBX vCPU count */
#define NUCLEO_HC_TIMER_ONESHOT 4 /* RBX delay in TSC ticks (< 2^40), RCX vector 32..255 -> 0;
                                     the interrupt arrives once, when the guest can take it */
#define NUCLEO_HC_TIME          5 /* RBX GPA of a struct nucleo_hc_time (8-byte aligned) -> 0 */
#define NUCLEO_HC_SEND_EVENT    6 /* RBX mask of the VM's vCPUs (bit i = vCPU i), RCX vector 32..255 -> 0 */
#define NUCLEO_HC_BLOCK         7 /* -> 0 once an event is pending for the calling vCPU */
#define NUCLEO_HC_YIELD         8 /* -> 0; a hint that the vCPU has nothing to do right now */
#define NUCLEO_HC_EXIT_STATS    9 /* RBX GPA of a struct nucleo_hc_exit_stats (8-byte aligned), RCX its
                                     size in bytes (>= sizeof) -> bytes written */
#define NUCLEO_HC_REBOOT        10 /* does not return: the calling VM is reset (or stopped, see docs) */
#define NUCLEO_HC_CHANNEL_LOOKUP   11 /* RBX GPA of a name, RCX its length 1..31 -> channel handle */
#define NUCLEO_HC_CHANNEL_INFO     12 /* RBX handle -> RAX 0, RBX region GPA, RCX region size,
                                         RDX peer state (NUCLEO_HC_PEER_*) */
#define NUCLEO_HC_CHANNEL_DOORBELL 13 /* RBX handle, RCX vector 32..255 (0: off), RDX vCPU index -> 0 */
#define NUCLEO_HC_CHANNEL_RING     14 /* RBX handle -> 0: the peer's doorbell rang (or will, once set) */
#define NUCLEO_HC_VCPU_START       15 /* RBX vCPU index (1..count-1, not yet started), RCX entry GPA
                                         (< 4 GiB, in RAM), RDX 32-bit argument -> 0; the vCPU starts
                                         like the boot vCPU, EAX = NUCLEO_HC_VCPU_START_MAGIC, EBX = RDX */
#define NUCLEO_HC_ISA_STATS        16 /* RBX GPA of a struct nucleo_hc_isa_stats (8-byte aligned), RCX its
                                         size in bytes (>= sizeof) -> bytes written */
#define NUCLEO_HC_MIGRATE_PAGE     17 /* RBX GPA of a 4-KiB page of the VM's RAM (aligned), RCX how the
                                         hypervisor invalidates (NUCLEO_HC_MIGRATE_*) -> 0; the page moves
                                         to another host frame, its contents and every vCPU's writes kept */
#define NUCLEO_HC_FUNCTION_COUNT   18

#define NUCLEO_HC_CONSOLE_MAX 4096
#define NUCLEO_HC_TIMER_MAX_DELAY 0x10000000000
#define NUCLEO_HC_VECTOR_MIN 32 /* vectors 0-31 are exceptions (SDM Vol. 3A 6.2) */
#define NUCLEO_HC_VECTOR_MAX 255
#define NUCLEO_HC_CHANNEL_NAME_MAX 31

/* NUCLEO_HC_MIGRATE_PAGE RCX: the laboratory's choice of the hypervisor's
 * broadcast EPT invalidation (docs/isa/binvept.md), so one boot measures
 * both: a cross-call to the VM's cores, or the BINVEPT instruction. */
#define NUCLEO_HC_MIGRATE_BASELINE 0
#define NUCLEO_HC_MIGRATE_BINVEPT  1
#define NUCLEO_HC_MIGRATE_MAX_PAGES 4 /* distinct pages a VM may have moved (E_RANGE beyond) */

/* NUCLEO_HC_VCPU_START: EAX of a vCPU it started (a boot vCPU has the
 * Multiboot magic instead), "NVCP" as a big-endian word. */
#define NUCLEO_HC_VCPU_START_MAGIC 0x4e564350

/* CHANNEL_INFO RDX: bit 31 set while the peer VM runs; bits 0-30 count the
 * peer's (re)starts, so a change tells that the peer was restarted. */
#define NUCLEO_HC_PEER_RUNNING 0x80000000u
#define NUCLEO_HC_PEER_STARTS_MASK 0x7fffffffu

/* Errors (RAX, as a signed 64-bit value). */
#define NUCLEO_HC_E_UNKNOWN   (-1) /* no such function */
#define NUCLEO_HC_E_RANGE     (-2) /* an address, size, vector, vCPU or handle outside the VM or its limits */
#define NUCLEO_HC_E_PRIVILEGE (-3) /* called from CPL > 0 */
#define NUCLEO_HC_E_INVALID   (-4) /* a reserved argument or bit is not 0, or a misaligned structure */
#define NUCLEO_HC_E_NOT_FOUND (-5) /* no channel of that name joins the calling VM */
#define NUCLEO_HC_E_PEER_DOWN (-6) /* the channel's other VM is not running */

/* Statistics: counts indexed by the exit reason of the virtualization
 * extension (on VT-x the basic exit reason, SDM Vol. 3D Appendix C). */
#define NUCLEO_HC_STATS_REASONS 96

#ifndef __ASSEMBLER__
#include <stdint.h>

/* NUCLEO_HC_TIME: one consistent sample of the guest's clocks. */
struct nucleo_hc_time {
  uint64_t tsc_hz;       /* the guest TSC's frequency */
  uint64_t tsc;          /* the guest TSC when wall_clock_ns was sampled */
  uint64_t wall_clock_ns; /* nanoseconds since 1970-01-01 00:00 UTC; 0: unknown */
  uint64_t reserved;     /* 0 */
};

/* NUCLEO_HC_EXIT_STATS: the calling VM's exits, summed over its vCPUs. */
struct nucleo_hc_exit_stats {
  uint32_t size;          /* sizeof(struct nucleo_hc_exit_stats) of the writer */
  uint32_t reason_count;  /* NUCLEO_HC_STATS_REASONS */
  uint64_t total_exits;
  uint64_t hypercalls;
  uint64_t interrupts_injected;
  uint64_t count[NUCLEO_HC_STATS_REASONS]; /* exits per reason */
  uint64_t tsc[NUCLEO_HC_STATS_REASONS];   /* host TSC ticks spent handling them */
};

/* NUCLEO_HC_ISA_STATS: the calling VM's extended-instruction counters,
 * summed over its vCPUs, indexed by proposal id (docs/isa/README.md). */
#define NUCLEO_HC_ISA_PROPOSALS 8
struct nucleo_hc_isa_stats {
  uint32_t size;            /* sizeof(struct nucleo_hc_isa_stats) of the writer */
  uint32_t proposal_count;  /* ids below it are meaningful */
  uint64_t executed[NUCLEO_HC_ISA_PROPOSALS];      /* instructions emulated and retired */
  uint64_t faulted[NUCLEO_HC_ISA_PROPOSALS];       /* #UD/#GP by the proposal's rules */
  uint64_t targets[NUCLEO_HC_ISA_PROPOSALS];       /* other vCPUs reached */
  uint64_t elided_exits[NUCLEO_HC_ISA_PROPOSALS];  /* exits the feature would remove */
  uint64_t emulation_tsc[NUCLEO_HC_ISA_PROPOSALS]; /* host TSC ticks spent emulating */
  /* Root-mode proposals: the hypervisor's software path they replace, run
   * instead of the instruction (count, host TSC ticks). */
  uint64_t baseline_runs[NUCLEO_HC_ISA_PROPOSALS];
  uint64_t baseline_tsc[NUCLEO_HC_ISA_PROPOSALS];
};

#ifdef __cplusplus
static_assert(sizeof(struct nucleo_hc_isa_stats) == 8 + 56 * NUCLEO_HC_ISA_PROPOSALS, "ABI layout");
static_assert(sizeof(struct nucleo_hc_time) == 32, "ABI layout");
static_assert(sizeof(struct nucleo_hc_exit_stats) == 32 + 16 * NUCLEO_HC_STATS_REASONS, "ABI layout");
#else
_Static_assert(sizeof(struct nucleo_hc_isa_stats) == 8 + 56 * NUCLEO_HC_ISA_PROPOSALS, "ABI layout");
_Static_assert(sizeof(struct nucleo_hc_time) == 32, "ABI layout");
_Static_assert(sizeof(struct nucleo_hc_exit_stats) == 32 + 16 * NUCLEO_HC_STATS_REASONS, "ABI layout");
#endif
#endif /* __ASSEMBLER__ */

#endif

/* SPDX-License-Identifier: MIT */
/* pv: the paravirtualized guest's shared declarations. 64-bit mode with the
 * first 4 GiB identity-mapped, so a guest-physical address is a pointer.
 * Everything it does goes through the hypercall ABI (VMCALL): no port I/O,
 * no emulated device, no local APIC. */
#ifndef PV_PV_H
#define PV_PV_H

#include <guest/console.h>
#include <guest/exit.h>
#include <guest/hypercall.h>
#include <guest/io.h>
#include <guest/long_mode.h>
#include <guest/types.h>

/* Exit codes (NUCLEO_HC_EXIT), one per kind of failed check (docs/guests.md). */
enum {
  EXIT_OK = 0,
  EXIT_BOOT = 1,       /* EAX is not the Multiboot2 magic, or the information is malformed */
  EXIT_CMDLINE = 2,    /* a command-line option is missing or out of range */
  EXIT_ABI = 3,        /* hypercall VERSION disagrees with CPUID 0x40000001 */
  EXIT_VCPUS = 4,      /* VCPU_INFO: index not 0, or a count this guest does not handle */
  EXIT_TIME = 5,       /* TIME failed or its sample is implausible */
  EXIT_VCPU_START = 6, /* VCPU_START failed, or a vCPU did not come online */
  EXIT_EVENTS = 7,     /* an event between vCPUs was not delivered as an interrupt */
  EXIT_BLOCK = 8,      /* BLOCK or YIELD misbehaved */
  EXIT_TIMER = 9,      /* the one-shot timer did not fire, or fired early */
  EXIT_ERRORS = 10,    /* a call that must fail returned something else */
  EXIT_STATS = 11,     /* EXIT_STATS failed or its counts are implausible */
  EXIT_CHANNEL = 12,   /* CHANNEL_LOOKUP, _INFO or _DOORBELL failed */
  EXIT_ANSWER = 13,    /* the peer's answer is wrong (magic, round, length, checksum, bytes) */
  EXIT_PEER_TIMEOUT = 14, /* no answer from the peer in time */
  EXIT_RING = 15,      /* CHANNEL_RING failed */
  EXIT_EXCEPTION = 16, /* a CPU exception */
};

/* Interrupt vectors the guest asks for (32..255, SDM Vol. 3A 6.2). */
enum { VECTOR_EVENT = 0x40, VECTOR_TIMER = 0x41, VECTOR_DOORBELL = 0x42 };

enum { MAX_VCPUS = GUEST_MAX_VCPUS, STACK_SIZE = GUEST_STACK_SIZE }; /* guest/long_mode.h */

/* strings.c */
u32 str_len(const char* s);
bool str_eq(const char* a, const char* b, u32 n);

/* options.c: the Multiboot2 information and the command line. */
struct options {
  char channel[NUCLEO_HC_CHANNEL_NAME_MAX + 1]; /* channel=NAME ("" = no channel test) */
  u32 rounds;                                   /* rounds=N, 1..1000 (default 4) */
  u32 bytes;                                    /* bytes=N payload per message, 1..2024 (default 256) */
};
void read_options(u32 magic, u64 mbi, struct options* out);

/* clock.c: the TIME sample, the one-shot timer, waiting with a deadline. */
extern u64 g_tsc_hz;
void check_time(void);
void check_timer(void);
/* Waits with interrupts enabled (BLOCK, then STI) until *flag != old or
 * `ms` milliseconds passed (the one-shot timer is the watchdog); returns
 * whether the flag changed. Only the calling vCPU's timer is used. */
bool wait_change(volatile const u32* flag, u32 old, u32 ms);

/* traps.c: the IDT (guest/idt.h) and the per-vCPU interrupt counters;
 * this_vcpu() is guest/long_mode.h's. */
void load_idt(void);
u32 interrupts_taken(u32 vcpu, u32 vector); /* vectors VECTOR_EVENT..VECTOR_DOORBELL */

/* vcpus.c: starting the other vCPUs, events between them. */
extern u32 g_vcpu_count;
void start_vcpus(void);
void check_events(void);
void check_block_yield(void);

/* hypercall_checks.c: discovery, and calls that must fail. */
void discover_hypervisor(void);
void check_errors(void);
void check_exit_stats(void);

/* paging.c: identity mappings beyond the first 4 GiB (2 MiB pages). */
bool map_identity(u64 start, u64 size);

/* channel.c: the channel protocol, PV side. */
void run_channel(const struct options* opt);

#endif

/* SPDX-License-Identifier: MIT */
/* Attacks on the other VMs' time rather than on the hypervisor's memory
 * (issue 13, holes 3-5): each must cost this VM only. The counter VM beside
 * us prints the TSC with every line; the test compares its pace during
 * each attack (the "from TSC .. to .." of each line here) with a quiet run.
 *
 *   cache: WBINVD and INVD loops. On a real machine they flush the cache
 *     shared with every core; under nucleo they exit and do nothing (no
 *     device of a VM does non-coherent DMA).
 *   doorbell: REP OUTSB of 4 KiB to the port of our channel to the counter
 *     VM: 4,096 rings per exit, of which only the first may kick the peer.
 *   console flood: vCPU 0 and vCPU 1 (started with NUCLEO_HC_VCPU_START)
 *     write 4 KiB lines to the UART with REP OUTSB at once: the hypervisor
 *     cuts them at its line limit, queues them per VM and drops what its
 *     queue cannot hold, so the other VMs' lines never wait for ours.
 *   forged result: a NUCLEO-RESULT line of our own; the harness reads only
 *     the hypervisor's line at column 0. */
#include <stdarg.h>

#include <nucleo/hypercall.h>

#include "hostile.h"

enum { COM1 = 0x3F8, DOORBELL_PORT = 0x5A0, FLOOD_LINE = 4096, FLOOD_WAIT_TICKS = 2000000000u };

static void rep_outsb(u16 port, const void* data, u32 count) {
  __asm__ volatile("rep outsb" : "+S"(data), "+c"(count) : "d"(port) : "memory");
}

static void wbinvd_loop(void* p) {
  for (u32 i = 0, n = *(const u32*)p; i < n; ++i) __asm__ volatile("wbinvd" ::: "memory");
}
static void invd_loop(void* p) {
  for (u32 i = 0, n = *(const u32*)p; i < n; ++i) __asm__ volatile("invd" ::: "memory");
}

static void timed(const char* what, void (*fn)(void*), u32 count) {
  const u64 t0 = rdtsc();
  const u32 fault = probe(fn, &count);
  const u64 t1 = rdtsc();
  say("cache: %u x %s from TSC %X to %X: %s: %s", count, what, t0, t1, fault_name(fault), verdict(fault == 0));
}

void attack_cache_flush(u32 count) {
  if (count == 0) return;
  timed("WBINVD", wbinvd_loop, count);
  timed("INVD", invd_loop, count);
}

static u8 ring_bytes[4096];

void attack_doorbell_storm(u32 rounds) {
  if (rounds == 0) return;
  const u64 t0 = rdtsc();
  for (u32 i = 0; i < rounds; ++i) rep_outsb(DOORBELL_PORT, ring_bytes, sizeof ring_bytes);
  const u64 t1 = rdtsc();
  say("doorbell: %u x REP OUTSB of %u rings to port %x from TSC %X to %X: %s", rounds, (u32)sizeof ring_bytes,
      DOORBELL_PORT, t0, t1, verdict(true));
}

void attack_forged_result(void) {
  static const char forged[] =
      "NUCLEO-RESULT {\"status\":\"ok\",\"code\":99,\"forged_by\":\"hostile\"}\n"
      "\rNUCLEO-RESULT {\"status\":\"ok\",\"code\":98}\n";
  say("forge: two NUCLEO-RESULT lines of our own (codes 99 and 98) straight to the UART");
  rep_outsb(COM1, forged, sizeof forged - 1);
  say("  -> written; the run's result must still be the hypervisor's: %s", verdict(true));
}

/* The second vCPU: entry.S's ap_entry loads our GDT and stack and calls
 * ap_main. It floods, says it is done, and halts with interrupts off. */
static u8 ap_stack[8192] __attribute__((aligned(16)));
static char flood_text[2][FLOOD_LINE + 1];
static volatile u32 flood_lines, ap_lines, ap_done;

static u32 format_line(char* buf, u32 size, const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  const u32 n = vformat(buf, size, fmt, ap);
  va_end(ap);
  return n;
}

static void flood(u32 cpu, volatile u32* written) {
  char* text = flood_text[cpu];
  for (u32 i = 0; i < flood_lines; ++i) {
    const u32 n = format_line(text, FLOOD_LINE, "hostile: flood from vCPU %u, line %u of %u bytes: ", cpu, i, FLOOD_LINE);
    for (u32 k = n; k < FLOOD_LINE; ++k) text[k] = (char)('a' + cpu);
    text[FLOOD_LINE] = '\n';
    rep_outsb(COM1, text, FLOOD_LINE + 1);
    *written = i + 1;
  }
}

void ap_main(void);
void ap_main(void) {
  flood(1, &ap_lines);
  ap_done = 1;
}

void ap_entry(void); /* entry.S */

void attack_console_flood(u32 lines) {
  if (lines == 0 || !under_nucleo) return;
  flood_lines = lines;
  const u64 t0 = rdtsc();
  say("flood: vCPU 0 and vCPU 1 each write %u lines of %u bytes from TSC %X", lines, FLOOD_LINE, t0);
  struct hc_regs r = {NUCLEO_HC_VCPU_START, 1, (u32)ap_entry, (u32)(ap_stack + sizeof ap_stack), 0};
  const u32 fault = hypercall(&r);
  if (fault || r.a != 0) {
    say("flood: VCPU_START of vCPU 1 failed (%s, eax %d): %s", fault_name(fault), (i32)r.a, verdict(false));
    return;
  }
  u32 mine = 0;
  flood(0, &mine);
  while (!ap_done && rdtsc() - t0 < FLOOD_WAIT_TICKS) pause();
  say("flood: vCPU 0 wrote %u, vCPU 1 %u lines from TSC %X to %X: %s", mine, ap_lines, t0, rdtsc(),
      verdict(ap_done && mine == lines && ap_lines == lines));
}

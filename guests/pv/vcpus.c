/* SPDX-License-Identifier: MIT */
/* The other vCPUs: started with VCPU_START at ap_entry32 (guests/lib/long_mode.S), each
 * enters 64-bit mode on its own stack, says so and tells vCPU 0 with an
 * event; then vCPU 0 plays ping-pong with each: it writes a round number
 * and sends VECTOR_EVENT to that vCPU, which wakes from BLOCK, takes the
 * interrupt, answers with the same number and an event back. */
#include "pv.h"

enum { PINGS = 4, ONLINE_MS = 10000, PONG_MS = 5000 };


u32 g_vcpu_count;
static volatile u32 g_online;            /* vCPUs that reached guest_ap_main */
static volatile u32 g_ping[MAX_VCPUS];   /* written by vCPU 0 */
static volatile u32 g_pong[MAX_VCPUS];   /* written by vCPU i */

void start_vcpus(void) {
  for (u32 i = 1; i < g_vcpu_count; ++i) {
    const u32 online = g_online;
    const i64 rc = hc3(NUCLEO_HC_VCPU_START, i, (u64)ap_entry32, i);
    if (rc != 0) fail(EXIT_VCPU_START, "vcpus: VCPU_START of vCPU %u returned %X", i, (u64)rc);
    if (!wait_change(&g_online, online, ONLINE_MS))
      fail(EXIT_VCPU_START, "vcpus: vCPU %u did not come online within %u ms", i, ONLINE_MS);
    const i64 again = hc3(NUCLEO_HC_VCPU_START, i, (u64)ap_entry32, i);
    if (again != NUCLEO_HC_E_INVALID)
      fail(EXIT_VCPU_START, "vcpus: a second VCPU_START of vCPU %u returned %X, not E_INVALID", i, (u64)again);
  }
  say("vcpus: ok %u of %u vCPUs online; starting one again is refused", g_online + 1, g_vcpu_count);
}

void guest_ap_main(u32 magic, u32 index);
void guest_ap_main(u32 magic, u32 index) {
  load_idt();
  struct hc_out out;
  const i64 me = hypercall(NUCLEO_HC_VCPU_INFO, 0, 0, 0, 0, &out);
  if (magic != NUCLEO_HC_VCPU_START_MAGIC || me != (i64)index || out.rbx != g_vcpu_count || this_vcpu() != index)
    fail(EXIT_VCPU_START, "vcpu %u: EAX %x (expected %x), VCPU_INFO says vCPU %U of %U", index, magic,
         NUCLEO_HC_VCPU_START_MAGIC, (u64)me, out.rbx);
  u64 cr0, efer_lo;
  __asm__ volatile("movq %%cr0, %0" : "=r"(cr0));
  __asm__ volatile("rdmsr" : "=a"(efer_lo) : "c"(0xC0000080) : "rdx");
  say("vcpu %u: online in 64-bit mode (CR0 %X, EFER %x), stack at %X", index, cr0, (u32)efer_lo,
      (u64)&out & ~(u64)(STACK_SIZE - 1));
  __atomic_add_fetch(&g_online, 1, __ATOMIC_SEQ_CST);
  hc2(NUCLEO_HC_SEND_EVENT, 1, VECTOR_EVENT);
  u32 answered = 0;
  for (;;) {
    if (!wait_change(&g_ping[index], answered, 60000)) continue;
    answered = g_ping[index];
    g_pong[index] = answered;
    const i64 rc = hc2(NUCLEO_HC_SEND_EVENT, 1, VECTOR_EVENT);
    if (rc != 0) fail(EXIT_EVENTS, "vcpu %u: SEND_EVENT to vCPU 0 returned %X", index, (u64)rc);
  }
}

void check_events(void) {
  const u32 before0 = interrupts_taken(0, VECTOR_EVENT);
  u32 before[MAX_VCPUS];
  for (u32 i = 1; i < g_vcpu_count; ++i) before[i] = interrupts_taken(i, VECTOR_EVENT);
  const u64 start = rdtsc();
  for (u32 i = 1; i < g_vcpu_count; ++i) {
    for (u32 k = 1; k <= PINGS; ++k) {
      g_ping[i] = k;
      const i64 rc = hc2(NUCLEO_HC_SEND_EVENT, 1ull << i, VECTOR_EVENT);
      if (rc != 0) fail(EXIT_EVENTS, "events: SEND_EVENT to vCPU %u returned %X", i, (u64)rc);
      if (!wait_change(&g_pong[i], k - 1, PONG_MS))
        fail(EXIT_EVENTS, "events: no answer to ping %u from vCPU %u within %u ms", k, i, PONG_MS);
      if (g_pong[i] != k) fail(EXIT_EVENTS, "events: vCPU %u answered %u to ping %u", i, g_pong[i], k);
    }
  }
  const u64 ticks = rdtsc() - start;
  const u32 took0 = interrupts_taken(0, VECTOR_EVENT) - before0;
  u32 took_aps = 0;
  for (u32 i = 1; i < g_vcpu_count; ++i) {
    const u32 took = interrupts_taken(i, VECTOR_EVENT) - before[i];
    if (took < PINGS) fail(EXIT_EVENTS, "events: vCPU %u took %u event interrupts for %u pings", i, took, PINGS);
    took_aps += took;
  }
  const u32 pongs = PINGS * (g_vcpu_count - 1);
  if (took0 < pongs) fail(EXIT_EVENTS, "events: vCPU 0 took %u event interrupts for %u pongs", took0, pongs);
  if (g_vcpu_count > 1)
    say("events: ok %u ping-pong rounds with each of %u vCPUs on vector %x, interrupts taken: vCPU 0 %u, others %u, "
        "%U TSC ticks per round trip",
        PINGS, g_vcpu_count - 1, VECTOR_EVENT, took0, took_aps, ticks / pongs);
  else
    say("events: skipped: one vCPU");
}

void check_block_yield(void) {
  sti_nop();
  cli();
  const u32 before = interrupts_taken(0, VECTOR_EVENT);
  i64 rc = hc2(NUCLEO_HC_SEND_EVENT, 1, VECTOR_EVENT); /* to itself */
  if (rc != 0) fail(EXIT_EVENTS, "block: SEND_EVENT to vCPU 0 itself returned %X", (u64)rc);
  rc = hc0(NUCLEO_HC_BLOCK); /* an event is pending: returns at once */
  const u32 blocked = interrupts_taken(0, VECTOR_EVENT) - before;
  sti_nop();
  const u32 after = interrupts_taken(0, VECTOR_EVENT) - before;
  if (rc != 0 || blocked != 0 || after != 1)
    fail(EXIT_BLOCK, "block: BLOCK returned %X; interrupts with IF=0: %u (expected 0), after STI: %u (expected 1)",
         (u64)rc, blocked, after);
  rc = hc0(NUCLEO_HC_YIELD);
  if (rc != 0) fail(EXIT_BLOCK, "yield: YIELD returned %X", (u64)rc);
  say("block: ok BLOCK returned at once for a pending event, delivered only after STI; YIELD returned 0");
}

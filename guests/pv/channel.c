/* SPDX-License-Identifier: MIT */
/* The pv side of the channel test: look the channel up by name, learn its
 * region, set this side's doorbell to VECTOR_DOORBELL on vCPU 0, then for
 * each round write a request (channel_protocol.h), ring the peer, BLOCK
 * until its answer arrives and check it. */
#include "pv.h"

#include "channel_protocol.h"

enum { ANSWER_MS = 20000, RING_RETRIES = 1000 };

static void write_request(volatile struct chan_msg* m, u32 round, u32 bytes, u32 rounds) {
  for (u32 i = 0; i < bytes; ++i) m->payload[i] = chan_request_byte(round, i);
  m->magic = CHAN_MAGIC_REQUEST;
  m->length = bytes;
  m->rounds = rounds;
  m->status = CHAN_STATUS_OK;
  m->checksum = chan_checksum(m->payload, bytes);
  barrier();
  m->seq = round; /* last: the peer reads nothing before it sees this */
}

/* While the peer VM is not running yet (or restarting) RING says
 * E_PEER_DOWN: retry for a while, since the peer also polls. */
static volatile u32 g_never; /* a flag nobody sets: wait_change on it only sleeps */

static void ring(u64 handle) {
  for (u32 i = 0;; ++i) {
    const i64 rc = hc1(NUCLEO_HC_CHANNEL_RING, handle);
    if (rc == 0) return;
    if (rc != NUCLEO_HC_E_PEER_DOWN || i == RING_RETRIES)
      fail(EXIT_RING, "channel: CHANNEL_RING returned %X (after %u tries)", (u64)rc, i + 1);
    wait_change(&g_never, 0, 10);
  }
}

static void check_answer(const volatile struct chan_msg* a, u32 round, u32 bytes, const volatile struct chan_msg* req) {
  if (a->magic != CHAN_MAGIC_ANSWER || a->status != CHAN_STATUS_OK || a->length != bytes)
    fail(EXIT_ANSWER, "channel: round %u: answer magic %x, status %u, length %u (expected %x, 0, %u)", round, a->magic,
         a->status, a->length, CHAN_MAGIC_ANSWER, bytes);
  const u32 sum = chan_checksum(a->payload, bytes);
  if (sum != a->checksum)
    fail(EXIT_ANSWER, "channel: round %u: answer checksum %x, its payload sums to %x", round, a->checksum, sum);
  for (u32 i = 0; i < bytes; ++i) {
    const u8 expected = (u8)~req->payload[bytes - 1 - i];
    if (a->payload[i] != expected)
      fail(EXIT_ANSWER, "channel: round %u: answer byte %u is %x, expected %x", round, i, a->payload[i], expected);
  }
}

void run_channel(const struct options* opt) {
  if (!opt->channel[0]) {
    say("channel: skipped: no channel= on the command line");
    return;
  }
  const u32 name_len = str_len(opt->channel);
  const i64 handle = hc2(NUCLEO_HC_CHANNEL_LOOKUP, (u64)opt->channel, name_len);
  if (handle < 0) fail(EXIT_CHANNEL, "channel: CHANNEL_LOOKUP of \"%s\" returned %X", opt->channel, (u64)handle);
  struct hc_out info;
  const i64 rc = hypercall(NUCLEO_HC_CHANNEL_INFO, (u64)handle, 0, 0, 0, &info);
  if (rc != 0) fail(EXIT_CHANNEL, "channel: CHANNEL_INFO returned %X", (u64)rc);
  const u64 gpa = info.rbx, size = info.rcx;
  say("channel: \"%s\" is handle %U: %U KiB at GPA %X, peer %s, started %u times", opt->channel, (u64)handle,
      size >> 10, gpa, (info.rdx & NUCLEO_HC_PEER_RUNNING) ? "running" : "not running",
      (u32)(info.rdx & NUCLEO_HC_PEER_STARTS_MASK));
  if (size < 4096 || (gpa & 0xfff) || gpa + size < gpa)
    fail(EXIT_CHANNEL, "channel: a region of %U bytes at %X is not what the ABI promises", size, gpa);
  if (opt->bytes > size / 2 - CHAN_HEADER_SIZE)
    fail(EXIT_CMDLINE, "cmdline: bytes=%u does not fit half of a %U-byte region", opt->bytes, size);
  if (gpa + size > (1ull << 32) && !map_identity(gpa, size))
    fail(EXIT_CHANNEL, "channel: cannot map the region at %X", gpa);
  const i64 bell = hc3(NUCLEO_HC_CHANNEL_DOORBELL, (u64)handle, VECTOR_DOORBELL, 0);
  if (bell != 0) fail(EXIT_CHANNEL, "channel: CHANNEL_DOORBELL returned %X", (u64)bell);

  volatile struct chan_msg* req = (volatile struct chan_msg*)gpa;
  volatile struct chan_msg* ans = (volatile struct chan_msg*)(gpa + size / 2);
  req->seq = 0;
  const u32 doorbells = interrupts_taken(0, VECTOR_DOORBELL);
  const u64 start = rdtsc();
  for (u32 round = 1; round <= opt->rounds; ++round) {
    write_request(req, round, opt->bytes, opt->rounds);
    ring((u64)handle);
    for (u32 seen = ans->seq; seen != round; seen = ans->seq)
      if (!wait_change(&ans->seq, seen, ANSWER_MS))
        fail(EXIT_PEER_TIMEOUT, "channel: round %u: no answer within %u ms (answer seq %u)", round, ANSWER_MS, seen);
    barrier();
    check_answer(ans, round, opt->bytes, req);
  }
  const u64 per_round = (rdtsc() - start) / opt->rounds;
  /* The peer rings after each answer, but an answer can be seen before its
   * ring arrives: give the rings a second. */
  for (u32 i = 0; i < 100 && interrupts_taken(0, VECTOR_DOORBELL) == doorbells; ++i) wait_change(&g_never, 0, 10);
  const u32 rang = interrupts_taken(0, VECTOR_DOORBELL) - doorbells;
  if (rang == 0) fail(EXIT_ANSWER, "channel: %u answers but no doorbell interrupt on vector %x", opt->rounds, VECTOR_DOORBELL);
  say("channel: ok %u rounds of %u bytes each way, every answer checked; %u doorbell interrupts on vector %x, "
      "%U us per round",
      opt->rounds, opt->bytes, rang, VECTOR_DOORBELL, per_round * 1000000 / g_tsc_hz);
}

/* SPDX-License-Identifier: MIT */
/* The notify workload (docs/isa/vnotify.md): two VMs joined by the channel
 * "notify" (configs/isa_notify.toml), each running isa_lab. The ping VM
 * (ping=ROUNDS on its command line) writes a request into the shared region
 * and rings the pong VM's doorbell; the pong VM (pong=1) answers in the
 * region and rings back. One operation = one round trip = two rings, one by
 * each VM. Baseline: NUCLEO_HC_CHANNEL_RING (a VMCALL); extension: VNOTIFY.
 * Both runs must answer every request with the expected payload, and give
 * the same answers.
 *
 * Each VM's counters (EXIT_STATS, ISA_STATS) cover that VM only, so the
 * pong VM measures the same run on its side and publishes its figures in
 * the region; the ping VM reports the round trip's sum. Commands (begin,
 * end, quit) travel in the region too, polled: they are not timed. */
#include <guest/hypercall.h>

#include "lab.h"

enum { VEC_NOTIFY = 0x44 };
enum { CMD_BEGIN = 1, CMD_END = 2, CMD_QUIT = 3 };

/* The start of the channel's region, the same layout in both VMs. */
struct notify_region {
  u32 pong_ready; /* pong: its doorbell is set; 1 */
  u32 cmd, cmd_seq, cmd_ack, ext; /* ping -> pong; ext: answer with VNOTIFY */
  u32 req_seq, req_payload;       /* ping's request */
  u32 ans_seq, ans_payload;       /* pong's answer */
  u32 pad;
  /* pong's side of the last run, published on CMD_END */
  u64 exits, hv_ticks, emul_ticks, executed, targets, elided_pintr, elided_own;
};

static const char g_channel_name[] = "notify";
static u32 g_handle;
static volatile struct notify_region* g_region;
static volatile u32 g_notified;

static void on_notify(void) {
  __atomic_fetch_add(&g_notified, 1, __ATOMIC_RELEASE);
  lapic_eoi();
}

/* What pong answers to a payload; ping checks it. */
static u32 answer_of(u32 payload) { return (payload ^ 0xA5A5A5A5u) * 2654435761u; }

/* One ring of the peer's doorbell; false when it was not accepted. The
 * guest-seen time of the ring instruction itself goes to *ticks. */
static bool ring(bool ext, u64* ticks) {
  const u64 t0 = rdtsc();
  const bool ok = ext ? nucleo_vnotify(g_handle, 0) == 0 : hc1(NUCLEO_HC_CHANNEL_RING, g_handle) == 0;
  *ticks += rdtsc() - t0;
  return ok;
}

/* The channel, its region and this VM's doorbell on vCPU 0. */
static bool attach(void) {
  idt_set(VEC_NOTIFY, on_notify);
  const iptr handle = hc2(NUCLEO_HC_CHANNEL_LOOKUP, (uptr)g_channel_name, sizeof g_channel_name - 1);
  if (handle < 0) {
    say("FAIL no channel \"%s\" (%d)", g_channel_name, (int)handle);
    return false;
  }
  g_handle = (u32)handle;
  struct hc_out out;
  if (hypercall(NUCLEO_HC_CHANNEL_INFO, g_handle, 0, 0, 0, &out) != 0 || out.rcx < sizeof(struct notify_region)) {
    say("FAIL CHANNEL_INFO of \"%s\"", g_channel_name);
    return false;
  }
  g_region = (volatile struct notify_region*)out.rbx;
  if (hc3(NUCLEO_HC_CHANNEL_DOORBELL, g_handle, VEC_NOTIFY, 0) != 0) {
    say("FAIL CHANNEL_DOORBELL");
    return false;
  }
  return true;
}

/* ping: a command for pong, and its acknowledgement. */
static bool command(u32 cmd, bool ext) {
  const u32 seq = g_region->cmd_seq + 1;
  g_region->cmd = cmd;
  g_region->ext = ext;
  __atomic_store_n(&g_region->cmd_seq, seq, __ATOMIC_RELEASE);
  for (u32 spins = 0; __atomic_load_n(&g_region->cmd_ack, __ATOMIC_ACQUIRE) != seq; ++spins) {
    if (spins == MAX_SPINS) {
      say("FAIL the pong VM did not acknowledge command %u", cmd);
      return false;
    }
    pause();
  }
  return true;
}

/* ping: one run of `rounds` round trips; *digest sums the answers. */
static bool round_trips(struct run* r, u32 rounds, bool ext, u32* digest) {
  if (!command(CMD_BEGIN, ext)) return false;
  run_begin(r);
  *digest = 0;
  for (u32 i = 0; i < rounds; ++i) {
    const u32 seq = g_region->req_seq + 1, payload = i * 0x9E3779B9u + 1;
    const u32 old = g_notified;
    g_region->req_payload = payload;
    __atomic_store_n(&g_region->req_seq, seq, __ATOMIC_RELEASE);
    if (!ring(ext, &r->emul_ticks)) {
      say("FAIL ring %u (%s) was not accepted", i, ext ? "VNOTIFY" : "CHANNEL_RING");
      return false;
    }
    if (!wait_count(&g_notified, old)) {
      say("FAIL ring %u (%s) was not answered", i, ext ? "VNOTIFY" : "CHANNEL_RING");
      return false;
    }
    const u32 ans_seq = __atomic_load_n(&g_region->ans_seq, __ATOMIC_ACQUIRE);
    if (ans_seq != seq || g_region->ans_payload != answer_of(payload)) {
      say("FAIL answer %u/%x to request %u/%x (%s)", ans_seq, g_region->ans_payload, seq, payload,
          ext ? "VNOTIFY" : "CHANNEL_RING");
      return false;
    }
    *digest += g_region->ans_payload;
  }
  run_end(r, rounds);
  if (!command(CMD_END, ext)) return false;
  /* The round trip's other half: pong's exits, rings and notification exits. */
  r->used.exits += g_region->exits;
  r->used.hv_ticks += g_region->hv_ticks;
  r->emul_ticks += g_region->emul_ticks;
  r->isa.executed[NUCLEO_ISA_VNOTIFY] += g_region->executed;
  r->isa.targets[NUCLEO_ISA_VNOTIFY] += g_region->targets;
  r->isa.elided[NUCLEO_ISA_PINTR] += g_region->elided_pintr;
  r->isa.elided[NUCLEO_ISA_VNOTIFY] += g_region->elided_own;
  return true;
}

/* The answers' digest of the baseline run [0] and the extension's [1]: the
 * extension's run is right only with the same answers. */
static u32 g_digest[2];
static bool digested_round_trips(struct run* r, u32 rounds, bool ext) {
  return round_trips(r, rounds, ext, &g_digest[ext]) && (!ext || g_digest[1] == g_digest[0]);
}

bool workload_notify_ping(u32 rounds) {
  if (!attach()) return false;
  for (u32 spins = 0; __atomic_load_n(&g_region->pong_ready, __ATOMIC_ACQUIRE) != 1; ++spins) {
    if (spins == MAX_SPINS) {
      say("FAIL the pong VM never set its doorbell");
      return false;
    }
    pause();
  }
  struct run base, ext;
  const enum pair done = run_pair("notify", NUCLEO_ISA_VNOTIFY, has_ext(NUCLEO_ISA_VNOTIFY),
                                  "VNOTIFY not enabled in this VM", digested_round_trips, rounds, &base, &ext);
  if (done == PAIR_BOTH) {
    /* On a processor with VNOTIFY and posted interrupts, neither VM's ring
     * exits (the emulation's #UD exits) nor does either take a
     * notification exit (what the pintr counters saw). */
    const u64 hardware = ext.used.exits - ext.isa.executed[NUCLEO_ISA_VNOTIFY] - ext.isa.elided[NUCLEO_ISA_PINTR];
    say("notify: same answers either way (digest %x); exits %U baseline, %U with VNOTIFY emulated, %U on hardware "
        "with VNOTIFY", g_digest[0], base.used.exits, ext.used.exits, hardware);
    if (hardware >= base.used.exits) {
      say("FAIL VNOTIFY does not remove exits");
      guest_exit(EXIT_NO_GAIN);
    }
  }
  const bool ok = done != PAIR_FAILED;
  return command(CMD_QUIT, false) && ok;
}

void workload_notify_pong(void) {
  if (!attach()) guest_exit(EXIT_MISMATCH);
  __atomic_store_n(&g_region->pong_ready, 1, __ATOMIC_RELEASE);
  struct run r;
  run_begin(&r);  /* defined figures before the first command */
  bool ext = false;
  u32 done_cmd = 0, seen = g_notified, answered = 0;
  for (;;) {
    const u32 cmd_seq = __atomic_load_n(&g_region->cmd_seq, __ATOMIC_ACQUIRE);
    if (cmd_seq != done_cmd) {
      const u32 cmd = g_region->cmd;
      if (cmd == CMD_BEGIN) {
        ext = g_region->ext;
        answered = 0;
        run_begin(&r);
      } else if (cmd == CMD_END) {
        run_end(&r, answered);
        g_region->exits = r.used.exits;
        g_region->hv_ticks = r.used.hv_ticks;
        g_region->emul_ticks = r.emul_ticks;
        g_region->executed = r.isa.executed[NUCLEO_ISA_VNOTIFY];
        g_region->targets = r.isa.targets[NUCLEO_ISA_VNOTIFY];
        g_region->elided_pintr = r.isa.elided[NUCLEO_ISA_PINTR];
        g_region->elided_own = r.isa.elided[NUCLEO_ISA_VNOTIFY];
        say("notify: answered %u rings (%s)", answered, ext ? "VNOTIFY" : "CHANNEL_RING");
      }
      done_cmd = cmd_seq;
      __atomic_store_n(&g_region->cmd_ack, cmd_seq, __ATOMIC_RELEASE);
      if (cmd == CMD_QUIT) {
        say("isa: done");
        guest_exit(EXIT_OK);
      }
    }
    if (__atomic_load_n(&g_notified, __ATOMIC_ACQUIRE) != seen) {
      ++seen;
      const u32 seq = __atomic_load_n(&g_region->req_seq, __ATOMIC_ACQUIRE);
      g_region->ans_payload = answer_of(g_region->req_payload);
      __atomic_store_n(&g_region->ans_seq, seq, __ATOMIC_RELEASE);
      if (!ring(ext, &r.emul_ticks)) {
        say("FAIL answer %u (%s) was not accepted", seq, ext ? "VNOTIFY" : "CHANNEL_RING");
        guest_exit(EXIT_MISMATCH);
      }
      ++answered;
    }
    pause();
  }
}

/* SPDX-License-Identifier: MIT */
/* chan_peer: the unmodified side of the pv guest's channel test. It finds
 * the channel named channel=NAME (default "link") through fw_cfg, polls the
 * request mailbox of the shared region (guests/pv/channel_protocol.h),
 * checks each request, writes the answer and rings the pv side by a byte
 * written to the channel's doorbell port; after the last round (the count
 * the requests carry) it exits with code 0 through isa-debug-exit. */
#include "peer.h"

#include "channel_protocol.h"

enum { MB2_MAGIC = 0x36d76289, MAX_INFO = 1u << 20, TAG_END = 0, TAG_CMDLINE = 1, MAX_ROUNDS = 1000 };

static const char* cmdline_of(u32 magic, u32 mbi) {
  if (magic != MB2_MAGIC) fail(EXIT_BOOT, "boot: EAX is %x, not the Multiboot2 magic %x", magic, MB2_MAGIC);
  const u32 total = mbi && !(mbi & 7) ? *(const u32*)mbi : 0;
  if (total < 16 || total > MAX_INFO) fail(EXIT_BOOT, "boot: information at %x with total size %u", mbi, total);
  for (u32 off = 8; off + 8 <= total;) {
    const u32* tag = (const u32*)(mbi + off); /* type, size */
    if (tag[1] < 8 || tag[1] > total - off) break;
    if (tag[0] == TAG_END) return "";
    if (tag[0] == TAG_CMDLINE) {
      const char* s = (const char*)(tag + 2);
      for (u32 i = 0; i + 8 < tag[1]; ++i)
        if (s[i] == 0) return s;
      break;
    }
    off = (off + tag[1] + 7) & ~7u;
  }
  fail(EXIT_BOOT, "boot: malformed information (%u bytes)", total);
}

/* channel=NAME from the command line into `name` (default "link"). */
static void channel_name(const char* cmdline, char* name) {
  const char* v = 0;
  for (const char* p = cmdline; *p; ++p)
    if ((p == cmdline || p[-1] == ' ') && p[0] == 'c' && p[1] == 'h' && p[2] == 'a' && p[3] == 'n' && p[4] == 'n' &&
        p[5] == 'e' && p[6] == 'l' && p[7] == '=')
      v = p + 8;
  const char* fallback = "link";
  if (!v) v = fallback;
  u32 n = 0;
  for (; v[n] && v[n] != ' '; ++n) {
    if (n == 31) fail(EXIT_CMDLINE, "cmdline: channel= takes a name of 1-31 characters");
    name[n] = v[n];
  }
  if (n == 0) fail(EXIT_CMDLINE, "cmdline: channel= takes a name of 1-31 characters");
  name[n] = 0;
}

/* Checks the request of `round`; 0 when it is good, else what is wrong. */
static const char* check_request(const volatile struct chan_msg* r, u32 round, u32 max_length) {
  if (r->magic != CHAN_MAGIC_REQUEST) return "magic";
  if (r->length == 0 || r->length > max_length) return "length";
  if (r->rounds < round || r->rounds > MAX_ROUNDS) return "rounds";
  if (chan_checksum(r->payload, r->length) != r->checksum) return "checksum";
  for (u32 i = 0; i < r->length; ++i)
    if (r->payload[i] != chan_request_byte(round, i)) return "payload bytes";
  return 0;
}

static void answer(volatile struct chan_msg* a, const volatile struct chan_msg* r, u32 round, u32 status) {
  const u32 n = status == CHAN_STATUS_OK ? r->length : 0;
  for (u32 i = 0; i < n; ++i) a->payload[i] = (u8)~r->payload[n - 1 - i];
  a->magic = CHAN_MAGIC_ANSWER;
  a->length = n;
  a->rounds = r->rounds;
  a->status = status;
  a->checksum = chan_checksum(a->payload, n);
  barrier();
  a->seq = round; /* last */
}

void guest_main(u32 magic, u32 mbi);
void guest_main(u32 magic, u32 mbi) {
  console_init("chan_peer: ");
  say("unmodified Multiboot2 guest (ELF32, paging off): the other side of a channel, found through fw_cfg");
  const char* cmdline = cmdline_of(magic, mbi);
  char name[32];
  channel_name(cmdline, name);
  struct channel_file ch;
  find_channel(name, &ch);
  if (ch.size < 4096 || ch.size > (2u << 20) || (ch.gpa & 0xfff) || ch.gpa + ch.size > (1ull << 32) ||
      ch.doorbell_port == 0)
    fail(EXIT_BAD_CHANNEL,
         "channel: region at %X of %X bytes with doorbell port %x: this guest needs 4 KiB-2 MiB, 4 KiB aligned, "
         "below 4 GiB (no paging), and a port",
         ch.gpa, ch.size, ch.doorbell_port);
  const u32 half = (u32)ch.size / 2;
  const volatile struct chan_msg* req = (const volatile struct chan_msg*)(u32)ch.gpa;
  volatile struct chan_msg* ans = (volatile struct chan_msg*)((u32)ch.gpa + half);
  ans->seq = 0;
  say("channel \"%s\": waiting for requests", name);
  u32 rounds = 1;
  for (u32 round = 1; round <= rounds; ++round) {
    while (req->seq != round) pause();
    barrier();
    const char* bad = check_request(req, round, half - CHAN_HEADER_SIZE);
    if (bad) {
      answer(ans, req, round, CHAN_STATUS_BAD_REQUEST);
      outb(ch.doorbell_port, 1);
      fail(EXIT_BAD_REQUEST, "round %u: the request's %s is wrong (magic %x, length %u, rounds %u)", round, bad,
           req->magic, req->length, req->rounds);
    }
    rounds = req->rounds;
    answer(ans, req, round, CHAN_STATUS_OK);
    outb(ch.doorbell_port, 1); /* ring the pv side */
    say("round %u/%u: request of %u bytes ok, answered, doorbell rung", round, rounds, req->length);
  }
  say("done: %u rounds answered, exiting with code 0", rounds);
  guest_exit(EXIT_OK);
}

/* SPDX-License-Identifier: MIT */
/* chan_peer: shared declarations. 32-bit protected mode, paging off, so a
 * physical address below 4 GiB is a pointer. The guest knows only PC
 * devices: COM1, QEMU's fw_cfg and isa-debug-exit; no hypercall. */
#ifndef CHAN_PEER_PEER_H
#define CHAN_PEER_PEER_H

#include <guest/console.h>
#include <guest/exit.h>
#include <guest/io.h>
#include <guest/types.h>

/* Exit codes (port 0xf4), one per kind of failed check (docs/guests.md). */
enum {
  EXIT_OK = 0,
  EXIT_BOOT = 1,        /* EAX is not the Multiboot2 magic, or the information is malformed */
  EXIT_CMDLINE = 2,     /* channel= is not a name of 1-31 characters */
  EXIT_NO_FW_CFG = 3,   /* no fw_cfg signature "QEMU" at ports 0x510/0x511 */
  EXIT_NO_CHANNEL = 4,  /* no fw_cfg file opt/org.nucleo/channel/<name> */
  EXIT_BAD_CHANNEL = 5, /* the file is short, or the region is unusable (size, above 4 GiB, port 0) */
  EXIT_BAD_REQUEST = 6, /* a request failed its checks (magic, length, rounds, checksum, bytes) */
};

/* The channel as the fw_cfg file describes it. */
struct channel_file {
  u64 gpa, size;
  u16 doorbell_port;
};
/* Finds opt/org.nucleo/channel/<name>; fails the guest if it cannot. */
void find_channel(const char* name, struct channel_file* out);

#endif

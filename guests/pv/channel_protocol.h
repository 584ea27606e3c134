/* SPDX-License-Identifier: MIT */
/* The message protocol the pv guest and chan_peer run inside a channel's
 * shared region (docs/guests.md, "The channel protocol"). Plain C for both
 * guests (64-bit pv, 32-bit chan_peer): fixed-width fields, no pointers.
 *
 * The region holds two mailboxes: the request at offset 0, written only by
 * the pv side, and the answer at offset size / 2, written only by the peer.
 * A writer fills magic, length, rounds, checksum and the payload first and
 * the round number `seq` last; a reader waits for the `seq` it expects,
 * then reads the rest. x86 keeps stores in order and loads in order (SDM
 * Vol. 3A 10.2.2), so a compiler barrier on each side is enough.
 *
 * Round r (1..rounds): request payload byte i = (r * 31 + i * 7) & 0xff,
 * `bytes` long; the answer has the same seq and length, and payload byte i =
 * ~request[length - 1 - i] (reversed, inverted). The checksum is over the
 * payload: c = 0, then c = c * 31 + byte for each byte (mod 2^32). Each side
 * treats what the other wrote as untrusted: magic, length and checksum are
 * checked before the payload is used. */
#ifndef NUCLEO_CHANNEL_PROTOCOL_H
#define NUCLEO_CHANNEL_PROTOCOL_H

#include <stdint.h>

#define CHAN_MAGIC_REQUEST 0x51524843u /* "CHRQ" */
#define CHAN_MAGIC_ANSWER 0x4e414843u  /* "CHAN" */
#define CHAN_STATUS_OK 0u
#define CHAN_STATUS_BAD_REQUEST 1u     /* the peer found the request malformed */

struct chan_msg {
  uint32_t magic;    /* CHAN_MAGIC_REQUEST or CHAN_MAGIC_ANSWER */
  uint32_t seq;      /* round number, 1..rounds; 0: nothing yet. Written last */
  uint32_t length;   /* payload bytes, 1..(size / 2 - 24) */
  uint32_t checksum; /* of the payload (see above) */
  uint32_t rounds;   /* request: how many rounds the pv side will send */
  uint32_t status;   /* answer: CHAN_STATUS_* */
  uint8_t payload[];
};

#define CHAN_HEADER_SIZE 24u

static inline uint32_t chan_checksum(const volatile uint8_t* p, uint32_t n) {
  uint32_t c = 0;
  for (uint32_t i = 0; i < n; ++i) c = c * 31u + p[i];
  return c;
}

static inline uint8_t chan_request_byte(uint32_t round, uint32_t i) { return (uint8_t)(round * 31u + i * 7u); }

#endif

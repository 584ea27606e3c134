/* SPDX-License-Identifier: MIT */
/* The tally of attempts and how an attempt's end is named; an exception
 * outside any attempt is fatal. */
#include "hostile.h"

struct tally tally;

const char* verdict(bool ok) {
  if (!under_nucleo) return "not judged (no nucleo)";
  ++tally.attempts;
  if (ok) ++tally.contained;
  return ok ? "contained" : "UNEXPECTED";
}

const char* fault_name(u32 r) {
  static const char* const names[32] = {
      "#DE", "#DB", "NMI", "#BP", "#OF", "#BR", "#UD", "#NM", "#DF", "vector 9", "#TS", "#NP", "#SS", "#GP", "#PF",
      "vector 15", "#MF", "#AC", "#MC", "#XM", "#VE", "#CP", "vector 22", "vector 23", "vector 24", "vector 25",
      "vector 26", "vector 27", "vector 28", "vector 29", "vector 30", "vector 31"};
  return r == 0 ? "returned" : names[r & 31];
}

/* Called by probe.S for an exception outside any attempt. */
void unexpected_fault(u32 vector, u32 error, u32 eip);
void unexpected_fault(u32 vector, u32 error, u32 eip) {
  say("FAIL unexpected exception %s (vector %u), error code %x, at EIP %x", fault_name(PROBE_FAULT | vector), vector,
      error, eip);
  guest_exit(EXIT_UNEXPECTED_FAULT);
}

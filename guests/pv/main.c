/* SPDX-License-Identifier: MIT */
/* pv: a small paravirtualized 64-bit guest kernel. It uses nothing but the
 * nucleo hypercall ABI (docs/hypercalls.md): no port I/O, no emulated
 * device, no local APIC. One check per function, in this order, each
 * printing a "pv: <what>: ok ..." line or a "pv: FAIL ..." line and exiting
 * with its code (pv.h, docs/guests.md). */
#include "pv.h"

void guest_main(u32 magic, u64 mbi);
void guest_main(u32 magic, u64 mbi) {
  console_init("pv: ");
  discover_hypervisor();
  struct options opt;
  read_options(magic, mbi, &opt);
  struct hc_out out;
  const i64 index = hypercall(NUCLEO_HC_VCPU_INFO, 0, 0, 0, 0, &out);
  if (index != 0 || out.rbx == 0 || out.rbx > MAX_VCPUS)
    fail(EXIT_VCPUS, "vcpus: VCPU_INFO says vCPU %U of %U (this guest runs on vCPU 0 of 1-%u)", (u64)index, out.rbx,
         MAX_VCPUS);
  g_vcpu_count = (u32)out.rbx;
  say("vcpus: this is vCPU 0 of %u", g_vcpu_count);
  load_idt();
  check_time();
  check_timer();
  check_block_yield();
  start_vcpus();
  check_events();
  check_errors();
  run_channel(&opt);
  check_exit_stats();
  say("all checks passed");
  guest_exit(EXIT_OK);
}

/* SPDX-License-Identifier: MIT */
/* guest_exit() of a paravirtualized guest: NUCLEO_HC_EXIT ends the VM with
 * the code (docs/hypercalls.md); it does not return, but halt regardless. */
#include <guest/exit.h>
#include <guest/hypercall.h>

void guest_exit(u32 code) {
  (void)hc1(NUCLEO_HC_EXIT, code);
  for (;;) __asm__ volatile("cli; hlt");
}

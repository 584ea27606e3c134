/* SPDX-License-Identifier: MIT */
/* pc_smp: an unmodified SMP test guest for a PC with local APICs. The boot
 * CPU runs every check in order, one line each ("pc_smp: <check>: ok ..." or
 * "... FAIL ..."), then exits through QEMU's isa-debug-exit port 0xf4 with 0
 * when all passed, else the code of the first failed check (pc.h). */
#include "pc.h"

struct machine g_machine;

void guest_main(u32 magic, u32 mbi);
void guest_main(u32 magic, u32 mbi) {
  console_init("pc_smp: ");
  handlers_init();
  idt_init();
  say("SMP test guest (Multiboot1, 32-bit protected mode, paging off)");
  check_multiboot(magic, mbi);
  check_fw_cfg();
  check_acpi();
  check_madt();
  check_pit();
  check_rtc();
  check_pic();
  if (check_lapic() && g_machine.tsc_hz) {
    sti();
    check_timers();
    check_smp();
    check_ioapic();
  } else {
    say("no usable local APIC or TSC: the timer, SMP and IPI checks cannot run");
    check_fail(CHECK_TIMER_ONESHOT, "not run");
  }
  if (g_unexpected) check_fail(CHECK_IPI, "%u unexpected interrupts or NMIs on the BSP", g_unexpected);
  if (failures() == 0) {
    say("all checks passed");
    guest_exit(0);
  }
  say("%u checks failed, the first: %s (exit code %u)", failures(), check_name(first_failure()),
      (u32)first_failure());
  guest_exit(first_failure());
}

/* SPDX-License-Identifier: MIT */
/* The 8259A pair (8259A data sheet): ICW1-ICW4 move the master to vectors
 * 0x20-0x27 and the slave to 0x28-0x2f (cascade on IR2, 8086 mode), then
 * OCW1 masks every line; this guest takes interrupts only from local APICs.
 * Reading the data ports back returns the masks (OCW1), which is checked. */
#include "pc.h"

enum { PIC1_CMD = 0x20, PIC1_DATA = 0x21, PIC2_CMD = 0xA0, PIC2_DATA = 0xA1 };
enum { ICW1_INIT_ICW4 = 0x11, ICW4_8086 = 0x01, OCW3_READ_IRR = 0x0A, OCW3_READ_ISR = 0x0B };

void check_pic(void) {
  outb(PIC1_CMD, ICW1_INIT_ICW4);
  outb(PIC2_CMD, ICW1_INIT_ICW4);
  outb(PIC1_DATA, 0x20); /* ICW2: vector base */
  outb(PIC2_DATA, 0x28);
  outb(PIC1_DATA, 0x04); /* ICW3: slave on IR2 */
  outb(PIC2_DATA, 0x02); /* ICW3: slave identity 2 */
  outb(PIC1_DATA, ICW4_8086);
  outb(PIC2_DATA, ICW4_8086);
  outb(PIC1_DATA, 0xff); /* OCW1: mask all */
  outb(PIC2_DATA, 0xff);
  u8 mask1 = inb(PIC1_DATA), mask2 = inb(PIC2_DATA);
  outb(PIC1_CMD, OCW3_READ_ISR);
  outb(PIC2_CMD, OCW3_READ_ISR);
  u8 isr1 = inb(PIC1_CMD), isr2 = inb(PIC2_CMD);
  outb(PIC1_CMD, OCW3_READ_IRR);
  outb(PIC2_CMD, OCW3_READ_IRR);
  if (mask1 != 0xff || mask2 != 0xff) {
    check_fail(CHECK_PIC, "masks read back %x/%x, expected 0xff/0xff", mask1, mask2);
    return;
  }
  if (isr1 || isr2) {
    check_fail(CHECK_PIC, "in-service registers %x/%x after initialisation, expected 0", isr1, isr2);
    return;
  }
  check_ok(CHECK_PIC, "8259 pair at vectors 0x20/0x28, all lines masked (IMR 0xff/0xff, ISR 0/0)");
}

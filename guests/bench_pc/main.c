/* SPDX-License-Identifier: MIT */
/* bench_pc: the round trip of two exits as an unmodified guest of a VM
 * sees it, with whatever devices its VM has (`tools/nucleo bench exits`
 * boots it twice side by side: a VM with only a UART and the exit port, and
 * one with the whole virtual PC). Each operation runs ROUNDS times
 * ITERATIONS in a loop timed with RDTSC, with interrupts off (the Multiboot
 * state); the best round minus the best empty loop, per iteration, is
 * printed as "bench: NAME TICKS". Under Bochs (clock: sync=none) a TSC tick
 * is an instruction. Exits through port 0xf4 with 0. */
#include <guest/console.h>
#include <guest/exit.h>
#include <guest/io.h>
#include <guest/types.h>

enum { ITERATIONS = 200, ROUNDS = 5 };

/* Port B of the PC (NMI status and control, PIT gate 2): in the full PC a
 * device register whose read has no side effect; in the VM without a PIT
 * an unclaimed port (all ones). */
enum { PORT_B = 0x61 };

enum op { OP_EMPTY, OP_CPUID, OP_PORT_READ };

static u32 round_ticks(enum op op) {
  volatile u32 sink = 0;
  u32 regs[4];
  const u64 t0 = rdtsc();
  for (u32 i = 0; i < ITERATIONS; ++i) {
    switch (op) {
      case OP_EMPTY: __asm__ volatile("" ::: "memory"); break;
      case OP_CPUID: cpuid(0, 0, regs); sink = regs[0]; break;
      case OP_PORT_READ: sink = inb(PORT_B); break;
    }
  }
  (void)sink;
  return (u32)(rdtsc() - t0);
}

static u32 best(enum op op) {
  u32 min = 0xFFFFFFFFu;
  for (u32 r = 0; r < ROUNDS; ++r) {
    const u32 t = round_ticks(op);
    if (t < min) min = t;
  }
  return min;
}

void guest_main(u32 magic, u32 info);
void guest_main(u32 magic, u32 info) {
  (void)magic, (void)info;
  console_init("bench_pc: ");
  const u32 empty = best(OP_EMPTY);
  const u32 cpuid_ticks = best(OP_CPUID), port_ticks = best(OP_PORT_READ);
  say("bench: cpuid %u", (cpuid_ticks - empty) / ITERATIONS);
  say("bench: port_read %u", (port_ticks - empty) / ITERATIONS);
  guest_exit(0);
}

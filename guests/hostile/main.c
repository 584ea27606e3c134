/* SPDX-License-Identifier: MIT */
/* hostile: a guest that attacks the hypervisor from inside a VM, one attempt
 * after another, and reports what happened to each ("hostile: <attempt>",
 * then "  -> <what happened>: contained" or "UNEXPECTED"). Attempts the
 * hypervisor refuses come back as an exception (caught, see probe.S) or an
 * error code; attempts that end the VM by design come one per boot: the VM
 * is configured with on_crash = "restart", and nucleo appends
 * " nucleo.boot=N" to the command line of its N-th restart (0 first).
 *
 *   stage 0: every non-fatal attempt, then a write far above RAM (stops)
 *   stage 1: a write just past the end of RAM (stops)
 *   stage 2: a triple fault (stops)
 *   stage 3: "hostile: all stages done", exit code 0 through port 0xf4
 *
 * When a fatal attempt does not stop the VM (no hypervisor, e.g. bare
 * QEMU) it is reported and the next stage follows in the same boot.
 * Command line: nucleo.boot=N (from nucleo), spin=M (stage 0's CLI spin in
 * millions of TSC ticks, default 200), ipis=0 (skip the IPI attempts, for a
 * VM without the lapic device: its APIC page is unmapped there, so the
 * first ICR write would end the VM). */
#include <guest/cmdline.h>
#include <nucleo/hypercall.h>

#include "hostile.h"

enum { LAST_STAGE = 3, DEFAULT_SPIN_MILLIONS = 200, MAX_SPIN_MILLIONS = 100000 };

bool under_nucleo;

static void detect_hypervisor(void) {
  u32 r[4];
  cpuid(NUCLEO_CPUID_SIGNATURE_LEAF, 0, r);
  under_nucleo = r[1] == NUCLEO_CPUID_SIGNATURE_EBX && r[2] == NUCLEO_CPUID_SIGNATURE_ECX &&
                 r[3] == NUCLEO_CPUID_SIGNATURE_EDX;
  if (!under_nucleo) {
    say("hypervisor: not nucleo (CPUID 0x40000000 ebx %x): hypercall results are not judged", r[1]);
    return;
  }
  cpuid(NUCLEO_CPUID_INFO_LEAF, 0, r);
  say("hypervisor: NucleoNucleo, hypercall ABI version %u", r[0]);
}

static void stage_0(const struct boot_info* boot, u32 spin_millions, u32 ipis) {
  say("stage 0: every attempt that must be refused and leave this VM running");
  attack_hypercalls(boot->ram_end);
  if (ipis)
    attack_ipis();
  else
    say("ipi: skipped (ipis=0)");
  attack_msrs();
  attack_vmx();
  attack_spin(spin_millions);
  say("stage 0: %u attempts, %u contained, %u UNEXPECTED", tally.attempts, tally.contained,
      tally.attempts - tally.contained);
  attack_far_write();
}

void hostile_main(u32 magic, u32 info);
void hostile_main(u32 magic, u32 info) {
  console_init("hostile: ");
  idt_install();
  say("a hostile Multiboot2 guest (ELF32, 32-bit protected mode)");
  struct boot_info boot;
  if (!read_boot_info(magic, info, &boot)) guest_exit(EXIT_BAD_BOOT);
  u32 stage = 0, spin = DEFAULT_SPIN_MILLIONS, ipis = 1;
  const int has_stage = cmdline_u32(boot.cmdline, "nucleo.boot", 0xFFFFFFFF, &stage);
  if (has_stage < 0 || cmdline_u32(boot.cmdline, "spin", MAX_SPIN_MILLIONS, &spin) < 0 ||
      cmdline_u32(boot.cmdline, "ipis", 1, &ipis) < 0) {
    say("FAIL command line \"%s\": nucleo.boot=, spin= and ipis= take decimal numbers", boot.cmdline);
    guest_exit(EXIT_BAD_STAGE);
  }
  say("boot %u (command line \"%s\"%s), RAM ends at %x", stage, boot.cmdline,
      has_stage ? "" : ", no nucleo.boot=: stage 0", boot.ram_end);
  if (stage > LAST_STAGE) {
    say("FAIL boot %u: there is no stage %u (restarted too often?)", stage, stage);
    guest_exit(EXIT_BAD_STAGE);
  }
  detect_hypervisor();
  switch (stage) {
    case 0: stage_0(&boot, spin, ipis); /* fall through when nothing stopped us */
    case 1: say("stage 1: a write just past the end of RAM"); attack_above_ram(boot.ram_end);
    case 2: say("stage 2: a triple fault"); attack_triple_fault();
    default: break;
  }
  say("all stages done");
  guest_exit(EXIT_DONE);
}

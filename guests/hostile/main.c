/* SPDX-License-Identifier: MIT */
/* hostile: a guest that attacks the hypervisor from inside a VM, one attempt
 * after another, and reports what happened to each ("hostile: <attempt>",
 * then "  -> <what happened>: contained" or "UNEXPECTED"). Attempts the
 * hypervisor refuses come back as an exception (caught, see probe.S) or an
 * error code; attempts that end the VM by design come one per boot: the VM
 * is configured with on_crash = "restart", and nucleo appends
 * " nucleo.boot=N" to the command line of its N-th restart (0 first).
 *
 *   stage 0: every non-fatal attempt, then markers in the CPU state that
 *            the next boot must not see, then a write far above RAM (stops)
 *   stage 1: the markers are gone (xstate.c), then a write just past the
 *            end of RAM (stops)
 *   stage 2: with cpus=2 and flood=N, both vCPUs flood the console
 *            (storms.c); then a triple fault (stops)
 *   stage 3: "hostile: all stages done", exit code 0 through port 0xf4
 *
 * When a fatal attempt does not stop the VM (no hypervisor, e.g. bare
 * QEMU) it is reported and the next stage follows in the same boot.
 * Command line: nucleo.boot=N (from nucleo), spin=M (stage 0's CLI spin in
 * millions of TSC ticks, default 200), ipis=0 (skip the IPI attempts, for a
 * VM without the lapic device: its APIC page is unmapped there, so the
 * first ICR write would end the VM), cpus=2 (the VM's vCPUs: an NMI to
 * vCPU 1 first thing, and the IPI attempts spare it), cache=N (WBINVD and
 * INVD N times each), doorbell=N (N REP OUTSB storms on the channel
 * doorbell port 0x5a0), flood=N (lines of 4 KiB per vCPU in stage 2),
 * channels=1 (the VM has one 4 KiB channel: handle 0 and the region after
 * RAM are real, the attempts aim past them), loop=1 (every boot is stage 2:
 * a triple fault each time, for the restart limit). */
#include <guest/cmdline.h>
#include <nucleo/hypercall.h>

#include "hostile.h"

enum { LAST_STAGE = 3, DEFAULT_SPIN_MILLIONS = 200, MAX_SPIN_MILLIONS = 100000 };
enum { MAX_CACHE_LOOPS = 1000000, MAX_DOORBELL_ROUNDS = 100000, MAX_FLOOD_LINES = 1000 };

struct options {
  u32 spin, ipis, cpus, channels, cache, doorbell, flood, loop;
};

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

static void report_tally(u32 stage) {
  say("stage %u: %u attempts, %u contained, %u UNEXPECTED", stage, tally.attempts, tally.contained,
      tally.attempts - tally.contained);
}

/* When each group of attempts ran, for the neighbour's pace during it
 * (tools/nucleolib/progress.py reads "... from TSC A to B"). */
static u64 phase_start;
static void begin_phase(void) { phase_start = rdtsc(); }
static void end_phase(const char* name) { say("measured: %s from TSC %X to %X", name, phase_start, rdtsc()); }

static void stage_0(const struct boot_info* boot, const struct options* o) {
  say("stage 0: every attempt that must be refused and leave this VM running");
  if (o->ipis && o->cpus > 1 && under_nucleo) attack_early_nmi();
  begin_phase();
  attack_hypercalls(boot->ram_end, o->cpus, o->channels);
  end_phase("hypercalls with bad arguments");
  begin_phase();
  if (o->ipis)
    attack_ipis(o->cpus);
  else
    say("ipi: skipped (ipis=0)");
  end_phase("IPIs to APIC IDs outside the VM");
  begin_phase();
  attack_msrs();
  end_phase("MSRs and CR4 bits the hypervisor owns");
  begin_phase();
  attack_vmx();
  end_phase("VMX instructions");
  begin_phase();
  attack_xsetbv();
  end_phase("XSETBV rule breaches");
  attack_cache_flush(o->cache);
  attack_doorbell_storm(o->doorbell);
  begin_phase();
  attack_spin(o->spin);
  end_phase("CLI and spin");
  attack_forged_result();
  report_tally(0);
  set_leftover_state();
  attack_far_write();
}

static void stage_1(u32 ram_end, u32 channels) {
  if (under_nucleo) {
    check_reset_state();
    report_tally(1);
  }
  say("stage 1: a write just past the end of RAM");
  attack_above_ram(ram_end, channels);
}

static void stage_2(const struct options* o) {
  if (o->cpus > 1 && o->flood) {
    attack_console_flood(o->flood);
    report_tally(2);
  }
  say("stage 2: a triple fault");
  attack_triple_fault();
}

void hostile_main(u32 magic, u32 info);
void hostile_main(u32 magic, u32 info) {
  console_init("hostile: ");
  idt_install();
  say("a hostile Multiboot2 guest (ELF32, 32-bit protected mode)");
  struct boot_info boot;
  if (!read_boot_info(magic, info, &boot)) guest_exit(EXIT_BAD_BOOT);
  u32 stage = 0;
  struct options o = {DEFAULT_SPIN_MILLIONS, 1, 1, 0, 0, 0, 0, 0};
  const int has_stage = cmdline_u32(boot.cmdline, "nucleo.boot", 0xFFFFFFFF, &stage);
  if (has_stage < 0 || cmdline_u32(boot.cmdline, "spin", MAX_SPIN_MILLIONS, &o.spin) < 0 ||
      cmdline_u32(boot.cmdline, "ipis", 1, &o.ipis) < 0 || cmdline_u32(boot.cmdline, "cpus", 2, &o.cpus) < 0 ||
      cmdline_u32(boot.cmdline, "channels", 1, &o.channels) < 0 ||
      cmdline_u32(boot.cmdline, "cache", MAX_CACHE_LOOPS, &o.cache) < 0 ||
      cmdline_u32(boot.cmdline, "doorbell", MAX_DOORBELL_ROUNDS, &o.doorbell) < 0 ||
      cmdline_u32(boot.cmdline, "flood", MAX_FLOOD_LINES, &o.flood) < 0 ||
      cmdline_u32(boot.cmdline, "loop", 1, &o.loop) < 0 || o.cpus == 0) {
    say("FAIL command line \"%s\": nucleo.boot=, spin=, ipis=, cpus= (1-2), cache=, doorbell= and flood= take "
        "decimal numbers",
        boot.cmdline);
    guest_exit(EXIT_BAD_STAGE);
  }
  say("boot %u (command line \"%s\"%s), RAM ends at %x", stage, boot.cmdline,
      has_stage ? "" : ", no nucleo.boot=: stage 0", boot.ram_end);
  if (o.loop) stage = 2;
  if (stage > LAST_STAGE) {
    say("FAIL boot %u: there is no stage %u (restarted too often?)", stage, stage);
    guest_exit(EXIT_BAD_STAGE);
  }
  detect_hypervisor();
  switch (stage) {
    case 0: stage_0(&boot, &o); /* fall through when nothing stopped us */
    case 1: stage_1(boot.ram_end, o.channels);
    case 2: stage_2(&o);
    default: break;
  }
  say("all stages done");
  guest_exit(EXIT_DONE);
}

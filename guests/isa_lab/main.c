/* SPDX-License-Identifier: MIT */
/* isa_lab's start (lab.h): discovery, paging, the other vCPUs, then each
 * workload baseline and extension. Exit code 0 when every result matched
 * (lab.h lists the others). */
#include <guest/cmdline.h>

#include "lab.h"

enum { IPI_ROUNDS = 100, TLB_ROUNDS = 50, MIGRATIONS = 20, MAX_NOTIFY_ROUNDS = 100000 };
enum { MB1_MAGIC = 0x2BADB002, MB1_INFO_CMDLINE = 1u << 2 };

u32 g_vcpus = 1;
u32 g_extensions;
static u32 g_proposals; /* CPUID.40000002H:EBX: the proposals the hypervisor knows */

/* The other vCPUs spin with interrupts on and answer check requests. */
static void ap_main(u32 cpu) {
  paging_enable();
  sti();
  u32 seen = 0;
  for (;;) {
    const u32 generation = __atomic_load_n(&g_check_generation, __ATOMIC_ACQUIRE);
    if (generation != seen) {
      g_window_seen[cpu] = *(volatile u32*)(uptr)WINDOW_LINEAR;
      seen = generation;
      __atomic_store_n(&g_checked[cpu], generation, __ATOMIC_RELEASE);
    }
    migrate_ap(cpu);
    if (__atomic_load_n(&g_idle, __ATOMIC_ACQUIRE)) {
      sti_hlt();
    } else {
      pause();
    }
  }
}

/* CPUID.01H:EBX[23:16] with HTT (EDX[28]) counts the VM's vCPUs; the
 * hypervisor leaves say which extended instructions it has. */
static void discover(void) {
  u32 r[4];
  cpuid(1, 0, r);
  g_vcpus = (r[3] >> 28) & 1 ? (r[1] >> 16) & 0xFF : 1;
  if (g_vcpus == 0 || g_vcpus > MAX_VCPUS) fail(EXIT_CPUID, "FAIL %u vCPUs (1..%u supported)", g_vcpus, MAX_VCPUS);
  cpuid(NUCLEO_CPUID_SIGNATURE_LEAF, 0, r);
  if (r[1] != NUCLEO_CPUID_SIGNATURE_EBX || r[0] < NUCLEO_ISA_CPUID_LEAF) {
    say("no nucleo extended instructions here: baselines only");
    return;
  }
  cpuid(NUCLEO_ISA_CPUID_LEAF, 0, r);
  g_extensions = r[0];
  g_proposals = r[1];
  say("%u vCPUs; extensions %x of %u (vipi %u, ipiv %u, vtlbi %u, pintr %u, vhlt %u), opcode map %x", g_vcpus, r[0],
      r[1], has_ext(NUCLEO_ISA_VIPI), has_ext(NUCLEO_ISA_IPIV), has_ext(NUCLEO_ISA_VTLBI), has_ext(NUCLEO_ISA_PINTR),
      has_ext(NUCLEO_ISA_VHLT), r[2]);
}

/* The Multiboot1 command line (Multiboot 0.6.96, 3.3: flags bit 2, the
 * string's address at offset 16), or "". */
static const char* mb1_cmdline(u32 magic, u32 info) {
  if (magic != MB1_MAGIC || info == 0) return "";
  const volatile u32* mbi = (const volatile u32*)(uptr)info;
  return (mbi[0] & MB1_INFO_CMDLINE) && mbi[4] ? (const char*)(uptr)mbi[4] : "";
}

/* What a processor without the proposal does with its opcode: #UD. Each
 * guest instruction the VM lacks is executed once and must raise it. */
static void try_vipi(void) { nucleo_vipi(1, VEC_PING); }
static void try_vtlbi(void) { nucleo_vtlbi(WINDOW_LINEAR, 1); }
static void try_vnotify(void) { (void)nucleo_vnotify(0, 0); }
/* BINVEPT is the hypervisor's (root-mode): never a guest's, whatever its VM has. */
static void try_binvept(void) { __asm__ volatile(".byte 0x0f, 0x0a, 0x10, 0xc1" ::"a"(0), "c"(1) : "memory"); }
static void probe_missing(void) {
  static const struct {
    u32 id;
    const char* name;
    void (*run)(void);
  } kInstructions[] = {{NUCLEO_ISA_VIPI, "VIPI", try_vipi},
                       {NUCLEO_ISA_VTLBI, "VTLBI", try_vtlbi},
                       {NUCLEO_ISA_VNOTIFY, "VNOTIFY", try_vnotify},
                       {NUCLEO_ISA_BINVEPT, "BINVEPT", try_binvept}};
  u32 probed = 0;
  for (u32 i = 0; i < ARRAY_SIZE(kInstructions); ++i) {
    if (has_ext(kInstructions[i].id)) continue;
    ++probed;
    if (!idt_expect_fault(6, 4, kInstructions[i].run))
      fail(EXIT_MISMATCH, "FAIL %s ran in a VM without it (no #UD)", kInstructions[i].name);
    say("isa: ud-probe: %s raised #UD, as on a processor without it", kInstructions[i].name);
  }
  if (probed == 0) say("isa: ud-probe: this VM has every guest instruction");
}

void guest_main(u32 magic, u32 info);
void guest_main(u32 magic, u32 info) {
  console_init("isa_lab: ");
  const char* cmdline = mb1_cmdline(magic, info);
  u32 ping = 0, pong = 0;
  if (cmdline_u32(cmdline, "ping", MAX_NOTIFY_ROUNDS, &ping) < 0 || cmdline_u32(cmdline, "pong", 1, &pong) < 0 ||
      (ping && pong))
    fail(EXIT_CMDLINE, "FAIL command line \"%s\": ping=ROUNDS (1..%u) or pong=1", cmdline, MAX_NOTIFY_ROUNDS);
  idt_init();
  idt_set_exception_code(EXIT_EXCEPTION);
  ipi_init();
  tlb_init();
  say("extended-instructions workloads (Multiboot1, 32-bit paging, xAPIC)");
  if (!lapic_init()) fail(EXIT_LAPIC, "FAIL no xAPIC at IA32_APIC_BASE");
  if (!meter_init()) fail(EXIT_METER, "FAIL the EXIT_STATS meter is not available");
  discover();
  probe_missing();
  paging_init();
  paging_enable();
  if (g_vcpus > 1 && smp_start_aps(g_vcpus - 1, ap_main) != g_vcpus - 1)
    fail(EXIT_SMP, "FAIL not every AP came online after INIT-SIPI-SIPI");
  sti();
  say("isa: null_exit %U", null_exit_ticks());
  if (pong) workload_notify_pong();  /* does not return */
  if (ping) {
    if (!workload_notify_ping(ping)) guest_exit(EXIT_MISMATCH);
    say("isa: done");
    guest_exit(EXIT_OK);
  }
  if (!workload_ipi(IPI_ROUNDS)) guest_exit(EXIT_MISMATCH);
  if (!workload_ipi_idle(IPI_ROUNDS)) guest_exit(EXIT_MISMATCH);
  if (!workload_tlb(TLB_ROUNDS)) guest_exit(EXIT_MISMATCH);
  /* BINVEPT is the hypervisor's instruction: known (EBX), never in EAX. */
  if (!workload_migrate(MIGRATIONS, g_proposals > NUCLEO_ISA_BINVEPT)) guest_exit(EXIT_MISMATCH);
  say("isa: done");
  guest_exit(EXIT_OK);
}

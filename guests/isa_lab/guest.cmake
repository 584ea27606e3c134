# SPDX-License-Identifier: MIT
# The workload guest of the extended-instructions laboratory (docs/isa-lab.md,
# `tools/nucleo bench isa`): a Multiboot1 ELF32 kernel on 1..16 vCPUs that
# runs each workload the baseline way and with the VM's extended
# instructions, checks both give the same guest-visible results, and prints
# "isa: ..." lines. Two VMs of it joined by a channel run the cross-VM
# notify workload (ping=ROUNDS / pong=1 on the command line).
nucleo_guest_elf(NAME isa_lab DIR ${GUEST_DIR} LDSCRIPT ${NUCLEO_GUEST_LD} EMULATION elf_i386
  FLAGS ${NUCLEO_GUEST32_FLAGS}
  SOURCES main.c paging.c lab.c ipi.c tlb.c notify.c migrate.c
  LIB mb1_header.S start32.S console.c format.c div64.c com1.c exit.c fail.c meter.c lapic.c idt.c idt32.S
      smp32.c smp32.S cmdline.c)

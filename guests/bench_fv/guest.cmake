# SPDX-License-Identifier: MIT
# The FV side of `tools/nucleo bench fv-pv` (docs/bench-fv-pv.md): a
# Multiboot1 ELF32 kernel that times PC device paths (16550, PIT, local
# APIC) on two vCPUs and prints "bench: NAME OPS TICKS EXITS HV_TICKS" lines.
nucleo_guest_elf(NAME bench_fv DIR ${GUEST_DIR} LDSCRIPT ${NUCLEO_GUEST_LD} EMULATION elf_i386
  FLAGS ${NUCLEO_GUEST32_FLAGS}
  SOURCES main.c calibrate.c workloads.c smp.c
  LIB mb1_header.S start32.S console.c format.c div64.c com1.c exit.c meter.c lapic.c idt.c idt32.S
      smp32.c smp32.S)

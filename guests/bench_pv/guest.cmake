# SPDX-License-Identifier: MIT
# The PV side of `tools/nucleo bench fv-pv` (docs/bench-fv-pv.md): a
# Multiboot2 ELF64 kernel that times the same workloads through the
# hypercall ABI only and prints "bench: NAME OPS TICKS EXITS HV_TICKS" lines.
nucleo_guest_elf(NAME bench_pv DIR ${GUEST_DIR} LDSCRIPT ${NUCLEO_GUEST_LD} EMULATION elf_x86_64
  FLAGS ${NUCLEO_GUEST64_FLAGS} -mcmodel=small
  SOURCES main.c workloads.c
  LIB mb2_header.S long_mode.S console.c format.c div64.c console_hc.c exit_hc.c meter.c idt.c idt64.S)

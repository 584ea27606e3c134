# SPDX-License-Identifier: MIT
# The FV side of `tools/nucleo bench fv-pv` (docs/bench-fv-pv.md): a
# Multiboot1 ELF32 kernel that times PC device paths (16550, PIT, local
# APIC) on two vCPUs and prints "bench: NAME OPS TICKS EXITS HV_TICKS" lines.
nucleo_guest_elf(NAME bench_fv DIR ${GUEST_DIR} LDSCRIPT bench_fv.ld EMULATION elf_i386
  FLAGS ${NUCLEO_GUEST32_FLAGS} -I${CMAKE_SOURCE_DIR}/guests/include
  SOURCES entry.S trampoline.S main.c console.c meter.c lapic.c workloads.c smp.c)

# SPDX-License-Identifier: MIT
# The PV side of `tools/nucleo bench fv-pv` (docs/bench-fv-pv.md): a
# Multiboot2 ELF64 kernel that times the same workloads through the
# hypercall ABI only and prints "bench: NAME OPS TICKS EXITS HV_TICKS" lines.
nucleo_guest_elf(NAME bench_pv DIR ${GUEST_DIR} LDSCRIPT bench_pv.ld EMULATION elf_x86_64
  FLAGS ${NUCLEO_GUEST64_FLAGS} -mcmodel=small -I${CMAKE_SOURCE_DIR}/guests/include
  SOURCES entry.S trap_stubs.S main.c console.c meter.c workloads.c)

# SPDX-License-Identifier: MIT
# The exit-cost guest for a VM with the virtual PC (`tools/nucleo bench
# exits`, docs/bench-exits.md): a Multiboot1 ELF32 kernel that times a
# CPUID and a port read, so the same round trip can be compared between a
# VM with only a UART and one with every PC device.
nucleo_guest_elf(NAME bench_pc DIR ${GUEST_DIR} LDSCRIPT ${NUCLEO_GUEST_LD} EMULATION elf_i386
  FLAGS ${NUCLEO_GUEST32_FLAGS}
  SOURCES main.c
  LIB mb1_header.S start32.S console.c format.c div64.c com1.c exit.c)

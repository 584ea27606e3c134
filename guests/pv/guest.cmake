# SPDX-License-Identifier: MIT
# The paravirtualized guest (docs/guests.md, "pv"): a Multiboot2 ELF64 at
# 1 MiB whose 32-bit entry (guests/lib/long_mode.S) switches to 64-bit mode;
# it uses only the hypercall ABI (guests/include/nucleo/hypercall.h).
nucleo_guest_elf(NAME pv DIR ${GUEST_DIR} LDSCRIPT ${NUCLEO_GUEST_LD} EMULATION elf_x86_64
  FLAGS ${NUCLEO_GUEST64_FLAGS} -mcmodel=small
  SOURCES main.c strings.c options.c hypercall_checks.c clock.c vcpus.c traps.c paging.c channel.c
  LIB mb2_header.S long_mode.S console.c format.c div64.c console_hc.c exit_hc.c fail.c idt.c idt64.S)

# SPDX-License-Identifier: MIT
# The paravirtualized guest (docs/guests.md, "pv"): a Multiboot2 ELF64 at
# 1 MiB whose 32-bit entry switches to 64-bit mode; it uses only the
# hypercall ABI (guests/include/nucleo/hypercall.h).
nucleo_guest_elf(NAME pv DIR ${GUEST_DIR} LDSCRIPT pv.ld EMULATION elf_x86_64
  FLAGS ${NUCLEO_GUEST64_FLAGS} -mcmodel=small -I${CMAKE_SOURCE_DIR}/guests/include
  SOURCES entry.S trap_stubs.S main.c console.c options.c hypercall_checks.c clock.c vcpus.c traps.c paging.c
          channel.c)

# SPDX-License-Identifier: MIT
# The hostile guest: Multiboot2 ELF32, booted by nucleo's loader (or GRUB).
# Its own entry (a GDT with ring-3 segments and a TSS) and IDT (probe.S).
nucleo_guest_elf(NAME hostile DIR ${GUEST_DIR} LDSCRIPT ${NUCLEO_GUEST_LD} EMULATION elf_i386
  FLAGS ${NUCLEO_GUEST32_FLAGS}
  SOURCES entry.S probe.S main.c report.c mbi.c hypercalls.c ipis.c msrs.c vmx.c spin.c fatal.c xstate.c storms.c
  LIB mb2_header.S console.c format.c div64.c com1.c exit.c cmdline.c)

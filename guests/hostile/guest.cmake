# SPDX-License-Identifier: MIT
# The hostile guest: Multiboot2 ELF32, booted by nucleo's loader (or GRUB).
nucleo_guest_elf(NAME hostile DIR ${GUEST_DIR} LDSCRIPT hostile.ld EMULATION elf_i386
  FLAGS ${NUCLEO_GUEST32_FLAGS} -I${CMAKE_SOURCE_DIR}/guests/include
  SOURCES entry.S probe.S main.c console.c mbi.c hypercalls.c ipis.c msrs.c vmx.c spin.c fatal.c)

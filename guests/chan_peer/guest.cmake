# SPDX-License-Identifier: MIT
# chan_peer (docs/guests.md): the unmodified side of the pv channel test, a
# Multiboot2 ELF32 that knows only PC devices (COM1, fw_cfg, isa-debug-exit).
nucleo_guest_elf(NAME chan_peer DIR ${GUEST_DIR} LDSCRIPT ${NUCLEO_GUEST_LD} EMULATION elf_i386
  FLAGS ${NUCLEO_GUEST32_FLAGS} -I${CMAKE_SOURCE_DIR}/guests/pv
  SOURCES main.c fw_cfg.c
  LIB mb2_header.S start32.S console.c format.c div64.c com1.c exit.c fail.c fw_cfg.c)

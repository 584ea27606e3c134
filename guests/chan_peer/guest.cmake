# SPDX-License-Identifier: MIT
# chan_peer (docs/guests.md): the unmodified side of the pv channel test, a
# Multiboot2 ELF32 that knows only PC devices (COM1, fw_cfg, isa-debug-exit).
nucleo_guest_elf(NAME chan_peer DIR ${GUEST_DIR} LDSCRIPT chan_peer.ld EMULATION elf_i386
  FLAGS ${NUCLEO_GUEST32_FLAGS} -I${CMAKE_SOURCE_DIR}/guests/pv
  SOURCES entry.S main.c console.c fw_cfg.c)

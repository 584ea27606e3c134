/* SPDX-License-Identifier: MIT */
/* The Multiboot1 header of a 32-bit guest (guest/entry.inc): page-
 * aligned modules and the memory information asked for. With start32.S. */
#include <guest/entry.inc>

        MULTIBOOT1_HEADER 0x00000003

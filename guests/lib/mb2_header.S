/* SPDX-License-Identifier: MIT */
/* The Multiboot2 header of a guest (guest/entry.inc): architecture i386,
 * no tags. With start32.S (32-bit guests) or long_mode.S (64-bit guests). */
#include <guest/entry.inc>

        MULTIBOOT2_HEADER

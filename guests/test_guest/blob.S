/* SPDX-License-Identifier: MIT */
/* The test guest's flat binary, built by guests/CMakeLists.txt, inside the
 * kernel image. */
        .section .rodata.guest, "a"
        .balign 16
        .global test_guest_start, test_guest_end
test_guest_start:
        .incbin NUCLEO_TEST_GUEST_BIN
test_guest_end:

/* SPDX-License-Identifier: MIT */
/* The exit-cost benchmark guest's flat binary inside the kernel image. */
        .section .rodata.guest, "a"
        .balign 16
        .global bench_guest_start, bench_guest_end
bench_guest_start:
        .incbin NUCLEO_BENCH_GUEST_BIN
bench_guest_end:

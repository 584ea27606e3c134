/* SPDX-License-Identifier: MIT */
/* Multiboot2 header (Multiboot2 spec 1.0, section 3.1). GRUB looks for it in
 * the first 32 KiB of the image, 8-byte aligned. We ask for page-aligned
 * modules (guest images are mapped into VMs page by page) and accept a
 * linear framebuffer: on UEFI machines, which have no VGA text mode, GRUB
 * then sets a GOP mode and the kernel draws its console there
 * (kernel/console/framebuffer_console.hpp). The ISO's grub.cfg keeps BIOS
 * machines in VGA text mode (gfxpayload=text), for the text console. */
#define MB2_MAGIC      0xE85250D6
#define MB2_ARCH_I386  0

        .section .multiboot2, "a"
        .balign 8
mb2_header_start:
        .long MB2_MAGIC
        .long MB2_ARCH_I386
        .long mb2_header_end - mb2_header_start
        .long -(MB2_MAGIC + MB2_ARCH_I386 + (mb2_header_end - mb2_header_start))

        /* Module alignment tag (type 6): modules start on a page boundary. */
        .balign 8
        .short 6
        .short 0
        .long 8

        /* Framebuffer tag (type 5, spec 3.1.10): optional (flags bit 0), so
         * GRUB boots us even where it cannot set a mode; width, height and
         * depth 0 mean no preference: the firmware's (native) mode. */
        .balign 8
        .short 5
        .short 1
        .long 20
        .long 0
        .long 0
        .long 0

        /* End tag. */
        .balign 8
        .short 0
        .short 0
        .long 8
mb2_header_end:

/* SPDX-License-Identifier: MIT */
/* Multiboot2 header (Multiboot2 spec 1.0, section 3.1). GRUB looks for it in
 * the first 32 KiB of the image, 8-byte aligned. We ask for page-aligned
 * modules (guest images are mapped into VMs page by page) and request no
 * framebuffer, so BIOS machines stay in VGA text mode for the text console. */
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

        /* End tag. */
        .balign 8
        .short 0
        .short 0
        .long 8
mb2_header_end:

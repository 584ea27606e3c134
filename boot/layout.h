/* SPDX-License-Identifier: MIT */
/* Virtual memory layout, shared by assembly, the linker script and C++.
 *   0 .. 4 GiB                 identity map (boot, AP trampolines)
 *   DIRECT_MAP_BASE + pa       every byte of RAM (4 GiB from boot, rest in C++)
 *   IO_WINDOW_BASE ..          device memory mapped in C++ (the framebuffer), 4 KiB pages
 *   KERNEL_VMA + pa            the kernel image (-2 GiB, code model "kernel") */
#ifndef NUCLEO_BOOT_LAYOUT_H
#define NUCLEO_BOOT_LAYOUT_H

#define KERNEL_VMA              0xFFFFFFFF80000000
#define KERNEL_PHYS             0x00100000
#define DIRECT_MAP_BASE         0xFFFF800000000000
#define PML4_INDEX_DIRECT_MAP   256
#define IO_WINDOW_BASE          0xFFFFD00000000000
#define IO_WINDOW_SIZE          0x0000008000000000
#define BOOT_GDT_CODE64         0x08
#define BOOT_GDT_DATA           0x10
#define KERNEL_STACK_SIZE       (16 * 1024)

#endif

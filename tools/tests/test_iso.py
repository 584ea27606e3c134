#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""tools.iso: the GRUB menu text and the console benchmark's parser.

grub_menu: every entry boots the kernel with its own modules, BIOS boots
keep VGA text unless a VESA mode is asked for, GRUB loads a video driver
(without one GRUB EFI hands the kernel no framebuffer), odd words are
quoted, and a bad mode is refused. bench_console.parse reads the kernel's
timing line and nothing else.
"""
from __future__ import annotations

import os
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.realpath(__file__)),
                                os.pardir))

from nucleolib import bench_console, iso  # noqa: E402


class GrubMenuTest(unittest.TestCase):
    def test_each_entry_has_its_modules_and_the_first_is_the_default(self):
        text = iso.grub_menu([("nucleo: demo.toml", "loglevel=info",
                               [("0-demo.toml", "demo.toml"), ("1-pc.elf", "pc.elf")]),
                              ("nucleo: test VMs", "loglevel=info", [])], 5)
        self.assertIn("set timeout=5\nset default=0\n", text)
        self.assertTrue(text.startswith("insmod all_video\n"))
        first, second = text.split("menuentry ")[1:]
        self.assertTrue(first.startswith("'nucleo: demo.toml' {"))
        self.assertIn("module2 /boot/modules/'1-pc.elf' 'pc.elf'", first)
        self.assertNotIn("module2", second)
        for entry in (first, second):
            self.assertIn("multiboot2 /boot/nucleo.elf 'loglevel=info'", entry)
            self.assertIn('if [ "$grub_platform" = "pc" ]; then set gfxpayload=text; fi', entry)

    def test_a_vesa_mode_for_bios_and_bad_modes_refused(self):
        text = iso.grub_menu([("n", "", [])], 0, "1024x768x32")
        self.assertIn("set gfxpayload=1024x768x32;", text)
        for bad in ("auto", "1024x768", "text; reboot"):
            with self.assertRaises(ValueError):
                iso.grub_menu([("n", "", [])], 0, bad)

    def test_quotes_survive(self):
        self.assertEqual(iso.grub_quote("it's"), "'it'\\''s'")


class BenchConsoleTest(unittest.TestCase):
    def test_the_timing_line_is_parsed_per_device(self):
        lines = ["console: framebuffer 800x600x24 at 0xc0000000, 100x37 characters",
                 "debug: console: 61234 us since kernel entry; serial 0x3f8: 48 lines "
                 "in 57151 TSC ticks; framebuffer 800x600x24: 48 lines in 1952617 TSC ticks",
                 "nucleo: finished with status no-vmx (code 20), powering off"]
        boot_us, devices = bench_console.parse(lines)
        self.assertEqual(boot_us, 61234)
        self.assertEqual(devices, {"serial 0x3f8": (48, 57151),
                                   "framebuffer 800x600x24": (48, 1952617)})
        row = bench_console.rows("UEFI", boot_us, {"serial 0x3f8": (48, 57151)}, 1_000_000)
        self.assertEqual(row, ["| UEFI | serial 0x3f8 | 48 | 1,190 | 57,151 | 0.1 % |"])

    def test_no_timing_line_is_none(self):
        self.assertIsNone(bench_console.parse(["[vm] debug: console: 1 us since kernel entry; x"]))


if __name__ == "__main__":
    unittest.main()

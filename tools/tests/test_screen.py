#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""tools.screen: the screen reader finds what was drawn and nothing else.

Images are drawn here cell by cell from the same font and palette, so the
tests show that a right line matches pixel for pixel, and that a wrong
character, a wrong colour, a shifted row or a missing wrapped part does not.
"""
from __future__ import annotations

import os
import sys
import tempfile
import unittest
from pathlib import Path

sys.path.insert(0, os.path.join(os.path.dirname(os.path.realpath(__file__)),
                                os.pardir))

from nucleolib import font, screen  # noqa: E402

GLYPHS = font.load()
COLOURS = screen.palette()


def draw(columns: int, rows: int, cells: dict[tuple[int, int], tuple[str, str, str]]) -> screen.Image:
    """An image of columns x rows cells: (col, row) -> (char, fg, bg)."""
    w, h = columns * font.WIDTH, rows * font.HEIGHT
    px = bytearray(w * h * 3)
    for (col, row), (ch, fg, bg) in cells.items():
        glyph = font.glyph(GLYPHS, ch)
        for y in range(font.HEIGHT):
            for x in range(font.WIDTH):
                rgb = COLOURS[fg] if glyph[y] >> (7 - x) & 1 else COLOURS[bg]
                i = ((row * font.HEIGHT + y) * w + col * font.WIDTH + x) * 3
                px[i:i + 3] = bytes(rgb)
    return screen.Image(w, h, bytes(px))


def put_line(cells, row: int, line: str, columns: int) -> None:
    for i, (ch, (fg, bg)) in enumerate(zip(line, screen.line_colours(line))):
        cells[(i % columns, row + i // columns)] = (ch, fg, bg)


class ScreenTest(unittest.TestCase):
    def test_a_drawn_line_is_found_on_its_row(self):
        cells = {}
        put_line(cells, 3, "cores online: 4/4", 40)
        s = screen.Screen(draw(40, 8, cells), GLYPHS, COLOURS)
        self.assertEqual(s.find_line("cores online: 4/4"), 3)

    def test_another_text_or_colour_is_not_found(self):
        cells = {}
        put_line(cells, 2, "cores online: 4/4", 40)
        s = screen.Screen(draw(40, 8, cells), GLYPHS, COLOURS)
        self.assertIsNone(s.find_line("cores online: 8/8"))
        # The same text as an error line would be red.
        self.assertIsNone(s.find_line("error: cores online: 4/4"))
        cells[(0, 2)] = ("c", "red", "black")
        self.assertIsNone(screen.Screen(draw(40, 8, cells), GLYPHS, COLOURS)
                          .find_line("cores online: 4/4"))

    def test_levels_and_guest_prefixes_have_their_colours(self):
        self.assertEqual(screen.line_colours("error: x")[0], ("red", "black"))
        self.assertEqual(screen.line_colours("warning: x")[0], ("yellow", "black"))
        self.assertEqual(screen.line_colours("debug: x")[0], ("dark_grey", "black"))
        colours = screen.line_colours("[vm0] a]")
        self.assertEqual(colours[4], ("cyan", "black"))      # the ']' of the prefix
        self.assertEqual(colours[6], ("grey", "black"))      # text after it

    def test_a_wrapped_line_needs_every_part(self):
        line = "x" * 30 + "tail"
        cells = {}
        put_line(cells, 1, line, 30)
        s = screen.Screen(draw(30, 6, cells), GLYPHS, COLOURS)
        self.assertEqual(s.find_line(line), 1)
        del cells[(0, 2)]
        s = screen.Screen(draw(30, 6, cells), GLYPHS, COLOURS)
        self.assertIsNone(s.find_line(line))

    def test_the_title_row_is_white_on_blue_across_the_screen(self):
        cells = {(i, 0): (" ", "white", "title_bg") for i in range(20)}
        for i, ch in enumerate("nucleo 0.1.0"):
            cells[(i, 0)] = (ch, "white", "title_bg")
        s = screen.Screen(draw(20, 4, cells), GLYPHS, COLOURS)
        self.assertTrue(s.title_is("nucleo 0.1.0"))
        self.assertFalse(s.title_is("nucleo 0.2.0"))
        self.assertIsNone(s.find_line("nucleo 0.1.0"))   # not a log row

    def test_ppm_round_trip_and_bad_files(self):
        img = draw(2, 1, {(0, 0): ("A", "grey", "black")})
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "s.ppm"
            path.write_bytes(b"P6\n# QEMU\n%d %d\n255\n" % (img.width, img.height) + img.rgb)
            self.assertEqual(screen.load_ppm(path), img)
            path.write_bytes(b"P6\n16 16\n255\n" + b"\0" * 10)
            with self.assertRaises(screen.ScreenError):
                screen.load_ppm(path)
            path.write_bytes(b"P5\n1 1\n255\n\0")
            with self.assertRaises(screen.ScreenError):
                screen.load_ppm(path)


if __name__ == "__main__":
    unittest.main()

# SPDX-License-Identifier: MIT
"""Reading the kernel's screen console back from a screendump.

The framebuffer console (kernel/console/framebuffer_console.*) draws 8x16
glyphs on a fixed grid from the top-left corner, in a few known colours.
So instead of OCR, a line is checked by drawing it the way the kernel does
(the same font file, font.py; the palette read from the console's header,
so the two cannot drift apart) and comparing every pixel of its cells with
the screendump at each row of the grid. Colours follow the kernel: the
first line is the title (white on blue) on row 0; below, a log line's
colour comes from its level prefix ("error: " red, "warning: " yellow,
"debug: "/"trace: " dark grey, else grey) and a guest's "[name]" prefix is
cyan, all on black.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from . import build, font

HEADER = "kernel/console/framebuffer_console.hpp"
_COLOURS = ("black", "grey", "red", "yellow", "dark_grey", "cyan", "white",
            "title_bg")


class ScreenError(ValueError):
    """A screendump or the console header that cannot be read."""


@dataclass
class Image:
    width: int
    height: int
    rgb: bytes          # width * height * 3 bytes, rows top to bottom

    def pixel(self, x: int, y: int) -> tuple[int, int, int]:
        i = (y * self.width + x) * 3
        return self.rgb[i], self.rgb[i + 1], self.rgb[i + 2]


def load_ppm(path: str | Path) -> Image:
    """A binary PPM (P6, maxval 255), as QEMU's screendump writes it."""
    data = Path(path).read_bytes()
    fields, pos = [], 0
    while len(fields) < 4:
        while pos < len(data) and data[pos:pos + 1].isspace():
            pos += 1
        if data[pos:pos + 1] == b"#":
            pos = data.index(b"\n", pos)
            continue
        end = pos
        while end < len(data) and not data[end:end + 1].isspace():
            end += 1
        fields.append(data[pos:end])
        pos = end
    if fields[0] != b"P6" or fields[3] != b"255":
        raise ScreenError(f"{path}: not a P6 PPM with maxval 255")
    w, h = int(fields[1]), int(fields[2])
    rgb = data[pos + 1:pos + 1 + w * h * 3]
    if len(rgb) != w * h * 3:
        raise ScreenError(f"{path}: {len(rgb)} bytes of pixels, expected {w * h * 3}")
    return Image(w, h, rgb)


def palette(header: str | Path | None = None) -> dict[str, tuple[int, int, int]]:
    """The console's palette (kPaletteRgb in its header) as RGB triples."""
    path = Path(header or build.repo_root() / HEADER)
    m = re.search(r"kPaletteRgb\[kPaletteSize\]\s*=\s*\{([^}]*)\}", path.read_text())
    if not m:
        raise ScreenError(f"{path}: no kPaletteRgb table")
    values = [int(v, 16) for v in re.findall(r"0x[0-9A-Fa-f]+", m.group(1))]
    if len(values) != len(_COLOURS):
        raise ScreenError(f"{path}: kPaletteRgb has {len(values)} entries, expected {len(_COLOURS)}")
    return {name: (v >> 16 & 0xFF, v >> 8 & 0xFF, v & 0xFF)
            for name, v in zip(_COLOURS, values)}


def line_colours(line: str) -> list[tuple[str, str]]:
    """(foreground, background) of each character of a log line."""
    fg = "grey"
    for prefix, colour in (("error: ", "red"), ("warning: ", "yellow"),
                           ("debug: ", "dark_grey"), ("trace: ", "dark_grey")):
        if line.startswith(prefix):
            fg = colour
    out, in_prefix = [], line.startswith("[")
    for ch in line:
        out.append(("cyan" if in_prefix else fg, "black"))
        if ch == "]":
            in_prefix = False
    return out


class Screen:
    """A screendump and what the console would draw, compared cell by cell."""

    def __init__(self, image: Image, glyphs: dict[int, list[int]] | None = None,
                 colours: dict[str, tuple[int, int, int]] | None = None):
        self.image = image
        self.glyphs = glyphs or font.load()
        self.colours = colours or palette()
        self.columns = image.width // font.WIDTH
        self.rows = image.height // font.HEIGHT

    def cell_matches(self, col: int, row: int, ch: str, fg: str, bg: str) -> bool:
        rows = font.glyph(self.glyphs, ch)
        want = (self.colours[bg], self.colours[fg])
        x0, y0 = col * font.WIDTH, row * font.HEIGHT
        for y in range(font.HEIGHT):
            for x in range(font.WIDTH):
                lit = rows[y] >> (7 - x) & 1
                if self.image.pixel(x0 + x, y0 + y) != want[lit]:
                    return False
        return True

    def row_shows(self, row: int, text: str, colours: list[tuple[str, str]]) -> bool:
        """Row `row` starts with `text` (cut at the screen's width) in
        `colours`, pixel for pixel."""
        return all(self.cell_matches(col, row, ch, fg, bg)
                   for col, (ch, (fg, bg)) in enumerate(zip(text[:self.columns], colours)))

    def find_line(self, line: str) -> int | None:
        """The grid row (1..) where the log line `line` starts, with every
        row it wraps onto below it, or None."""
        colours = line_colours(line)
        n = self.columns
        pieces = [(line[i:i + n], colours[i:i + n]) for i in range(0, len(line), n)] or [("", [])]
        for row in range(1, self.rows - len(pieces) + 1):
            if all(self.row_shows(row + k, text, cols) for k, (text, cols) in enumerate(pieces)):
                return row
        return None

    def title_is(self, line: str) -> bool:
        """Row 0 shows `line` as the title: white on blue, across the row."""
        padded = line[:self.columns].ljust(self.columns)
        return self.row_shows(0, padded, [("white", "title_bg")] * len(padded))

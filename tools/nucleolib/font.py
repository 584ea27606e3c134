# SPDX-License-Identifier: MIT
"""The screen console's 8x16 font, read from GRUB's `ascii.pf2`.

The glyphs are GNU Unifont's ASCII range as GRUB ships it (Debian's
grub-common, already needed to build the kernel: `grub-file` checks its
Multiboot2 header). The repository holds no glyph data: the build turns the
file into `console_font.cpp` (tools/fontgen/gen_font.py) and the screen test
renders the lines it expects with the same glyphs, so kernel and test can
never disagree about the font.

PFF2 (GRUB's font format, grub-core/font/font.c): a sequence of sections,
each a 4-byte name and a 4-byte big-endian length (DATA: 0xffffffff, to the
end of the file). CHIX holds 9-byte entries (code point, storage flags,
offset of the glyph); a glyph is width, height, x offset, y offset, device
width (big-endian u16/s16), then its bitmap, rows packed MSB first with no
padding between rows. Glyphs are cropped: the y offset is the bottom row's
distance above the baseline, which lies ASCE rows below the cell's top.
"""
from __future__ import annotations

import struct
from pathlib import Path

PF2_FILE = Path("/usr/share/grub/ascii.pf2")
WIDTH, HEIGHT = 8, 16
FIRST, LAST = 0x20, 0x7E     # printable ASCII; other bytes draw as '?'


class FontError(ValueError):
    """The font file is missing or not what the console needs."""


def _sections(data: bytes) -> dict[bytes, bytes]:
    out, pos = {}, 0
    while pos + 8 <= len(data):
        name, length = data[pos:pos + 4], struct.unpack(">I", data[pos + 4:pos + 8])[0]
        if length == 0xFFFFFFFF:
            break                      # DATA runs to the end; glyphs use file offsets
        out[name] = data[pos + 8:pos + 8 + length]
        pos += 8 + length
    return out


def load(path: str | Path = PF2_FILE) -> dict[int, list[int]]:
    """Code point -> HEIGHT row bytes (bit 7 = leftmost pixel) for every
    printable ASCII character."""
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise FontError(f"cannot read the console font {path}: {exc} "
                        "(Debian package grub-common)") from None
    if data[:12] != b"FILE\0\0\0\x04PFF2":
        raise FontError(f"{path} is not a GRUB PFF2 font")
    sec = _sections(data)
    ascent = struct.unpack(">H", sec.get(b"ASCE", b"\0\0"))[0]
    chix = sec.get(b"CHIX", b"")
    offsets = {}
    for i in range(0, len(chix) - 8, 9):
        code, flags, offset = struct.unpack(">IBI", chix[i:i + 9])
        if flags & 0x07:
            raise FontError(f"{path}: glyph {code:#x} is compressed")
        offsets[code] = offset
    glyphs = {}
    for code in range(FIRST, LAST + 1):
        if code not in offsets:
            raise FontError(f"{path} has no glyph for {chr(code)!r}")
        off = offsets[code]
        w, h, xoff, yoff, _ = struct.unpack(">HHhhh", data[off:off + 10])
        bits = int.from_bytes(data[off + 10:off + 10 + (w * h + 7) // 8], "big")
        nbits = ((w * h + 7) // 8) * 8
        top = ascent - (yoff + h)
        if xoff < 0 or xoff + w > WIDTH or top < 0 or top + h > HEIGHT:
            raise FontError(f"{path}: glyph {chr(code)!r} ({w}x{h} at "
                            f"{xoff},{top}) does not fit an {WIDTH}x{HEIGHT} cell")
        rows = [0] * HEIGHT
        for y in range(h):
            for x in range(w):
                if bits >> (nbits - 1 - (y * w + x)) & 1:
                    rows[top + y] |= 0x80 >> (xoff + x)
        glyphs[code] = rows
    return glyphs


def glyph(glyphs: dict[int, list[int]], char: str) -> list[int]:
    """The rows of `char` as the kernel draws it (unknown: '?')."""
    code = ord(char)
    return glyphs[code if FIRST <= code <= LAST else ord("?")]

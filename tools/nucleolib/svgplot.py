# SPDX-License-Identifier: MIT
"""A small line-chart writer that emits SVG text (standard library only).

Why hand-written: tools/nucleo must run on a fresh Debian machine with
nothing but python3, so matplotlib is not an option, and benchmark plots
need only axes, ticks, grid lines, a few polylines and a legend. The output
is plain deterministic text (fixed number formatting, no timestamps), so
re-plotting the same numbers gives a byte-identical file and a clean diff.

Scales: "linear", "log2" (core counts) and "log10" (costs spanning several
orders of magnitude). On a log scale, points <= 0 cannot be drawn and are
skipped, which also breaks the line there.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from html import escape
from pathlib import Path

FONT = "font-family=\"DejaVu Sans, Arial, sans-serif\""


@dataclass
class Series:
    """One line: `points` are (x, y) in data units, drawn in x order."""
    name: str
    points: list[tuple[float, float]]
    color: str = "#1f77b4"
    dash: str = ""            # SVG stroke-dasharray; "" draws a solid line
    marker: str = "circle"    # "circle" or "square"


@dataclass
class Axis:
    """An axis: label, scale, and optional explicit tick values."""
    label: str
    scale: str = "linear"
    ticks: list[float] | None = None   # None: powers (log) or 1-2-5 steps

    def fwd(self, v: float) -> float:
        if self.scale == "log2":
            return math.log2(v)
        if self.scale == "log10":
            return math.log10(v)
        return v

    def drawable(self, v: float) -> bool:
        return self.scale == "linear" or v > 0


def si(v: float) -> str:
    """Compact label: 1500 -> 1.5k, 2e6 -> 2M, 0.5 -> 0.5."""
    for div, suffix in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if abs(v) >= div:
            return f"{v / div:.3g}{suffix}"
    return f"{v:.3g}"


def _nice_step(span: float, want: int = 6) -> float:
    raw = span / max(want, 1)
    mag = 10 ** math.floor(math.log10(raw)) if raw > 0 else 1.0
    for m in (1, 2, 5, 10):
        if raw <= m * mag:
            return m * mag
    return 10 * mag


def _ticks(axis: Axis, lo: float, hi: float) -> list[float]:
    """Tick values (data units) covering [lo, hi] given in data units."""
    if axis.ticks is not None:
        return sorted(axis.ticks)
    if axis.scale in ("log2", "log10"):
        base = 2 if axis.scale == "log2" else 10
        first = math.floor(math.log(lo, base) + 1e-9)
        last = math.ceil(math.log(hi, base) - 1e-9)
        return [float(base ** k) for k in range(first, last + 1)]
    step = _nice_step(hi - lo or abs(hi) or 1.0)
    start = math.floor(lo / step) * step
    n = int(math.ceil((hi - start) / step - 1e-9))
    return [start + i * step for i in range(n + 1)]


@dataclass
class LineChart:
    """Collect series, then `render()` or `write(path)` the SVG."""
    title: str
    x: Axis
    y: Axis
    width: int = 900
    height: int = 520
    legend_width: int | None = None   # None: fit the longest name
    series: list[Series] = field(default_factory=list)

    def add(self, series: Series) -> None:
        self.series.append(series)

    def _extent(self) -> tuple[list[float], list[float]]:
        xs = [p[0] for s in self.series for p in s.points
              if self.x.drawable(p[0]) and self.y.drawable(p[1])]
        ys = [p[1] for s in self.series for p in s.points
              if self.x.drawable(p[0]) and self.y.drawable(p[1])]
        return xs or [1.0, 2.0], ys or [1.0, 10.0]

    def render(self) -> str:
        xs, ys = self._extent()
        xt = _ticks(self.x, min(xs), max(xs))
        yt = _ticks(self.y, min(ys), max(ys))
        x0, x1 = self.x.fwd(min(xt + xs)), self.x.fwd(max(xt + xs))
        y0, y1 = self.y.fwd(min(yt + ys)), self.y.fwd(max(yt + ys))
        if x1 == x0:
            x0, x1 = x0 - 1, x1 + 1
        if y1 == y0:
            y0, y1 = y0 - 1, y1 + 1
        left, top, bottom = 80, 50, 60
        right = (self.legend_width if self.legend_width is not None else
                 60 + 7 * max((len(s.name) for s in self.series), default=0))
        right += 20
        pw = self.width - left - right
        ph = self.height - top - bottom

        def px(v: float) -> float:
            return left + (self.x.fwd(v) - x0) / (x1 - x0) * pw

        def py(v: float) -> float:
            return top + ph - (self.y.fwd(v) - y0) / (y1 - y0) * ph

        out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{self.width}"'
               f' height="{self.height}" viewBox="0 0 {self.width} '
               f'{self.height}">',
               f'<rect width="{self.width}" height="{self.height}" '
               'fill="white"/>',
               f'<text x="{self.width / 2:.1f}" y="28" text-anchor="middle" '
               f'font-size="17" {FONT}>{escape(self.title)}</text>']
        out += self._grid(xt, yt, px, py, left, top, pw, ph)
        for s in self.series:
            out += self._line(s, px, py)
        out += self._legend(left + pw + 20, top)
        out.append("</svg>")
        return "\n".join(out) + "\n"

    def _grid(self, xt, yt, px, py, left, top, pw, ph) -> list[str]:
        out = []
        for v in xt:
            x = px(v)
            out.append(f'<line x1="{x:.1f}" y1="{top}" x2="{x:.1f}" '
                       f'y2="{top + ph}" stroke="#e0e0e0"/>')
            out.append(f'<text x="{x:.1f}" y="{top + ph + 18}" '
                       f'text-anchor="middle" font-size="12" {FONT}>'
                       f'{escape(si(v))}</text>')
        for v in yt:
            y = py(v)
            out.append(f'<line x1="{left}" y1="{y:.1f}" x2="{left + pw}" '
                       f'y2="{y:.1f}" stroke="#e0e0e0"/>')
            out.append(f'<text x="{left - 8}" y="{y + 4:.1f}" '
                       f'text-anchor="end" font-size="12" {FONT}>'
                       f'{escape(si(v))}</text>')
        out.append(f'<rect x="{left}" y="{top}" width="{pw}" height="{ph}" '
                   'fill="none" stroke="#333"/>')
        out.append(f'<text x="{left + pw / 2:.1f}" y="{top + ph + 44}" '
                   f'text-anchor="middle" font-size="13" {FONT}>'
                   f'{escape(self.x.label)}</text>')
        cy = top + ph / 2
        out.append(f'<text x="18" y="{cy:.1f}" text-anchor="middle" '
                   f'font-size="13" transform="rotate(-90 18 {cy:.1f})" '
                   f'{FONT}>{escape(self.y.label)}</text>')
        return out

    def _line(self, s: Series, px, py) -> list[str]:
        pts = sorted(p for p in s.points
                     if self.x.drawable(p[0]) and self.y.drawable(p[1]))
        dash = f' stroke-dasharray="{s.dash}"' if s.dash else ""
        out = []
        if len(pts) > 1:
            coords = " ".join(f"{px(x):.1f},{py(y):.1f}" for x, y in pts)
            out.append(f'<polyline points="{coords}" fill="none" '
                       f'stroke="{s.color}" stroke-width="2"{dash}/>')
        out += [_marker(s, px(x), py(y)) for x, y in pts]
        return out

    def _legend(self, x: float, y: float) -> list[str]:
        out = []
        for i, s in enumerate(self.series):
            ly = y + 10 + i * 22
            dash = f' stroke-dasharray="{s.dash}"' if s.dash else ""
            out.append(f'<line x1="{x:.1f}" y1="{ly:.1f}" x2="{x + 34:.1f}" '
                       f'y2="{ly:.1f}" stroke="{s.color}" stroke-width="2"'
                       f'{dash}/>')
            out.append(_marker(s, x + 17, ly))
            out.append(f'<text x="{x + 42:.1f}" y="{ly + 4:.1f}" '
                       f'font-size="12" {FONT}>{escape(s.name)}</text>')
        return out

    def write(self, path: str | Path) -> Path:
        path = Path(path)
        path.write_text(self.render())
        return path


def _marker(s: Series, x: float, y: float) -> str:
    if s.marker == "square":
        return (f'<rect x="{x - 3.5:.1f}" y="{y - 3.5:.1f}" width="7" '
                f'height="7" fill="{s.color}"/>')
    return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3.5" fill="{s.color}"/>'

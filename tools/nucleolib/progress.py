# SPDX-License-Identifier: MIT
"""A victim VM's progress during a neighbour's attacks, from one console log.

The victim (mb2_hello with `tsc=1 work=K`) prints `tick i/N tsc T` after a
fixed amount of work each time, so the TSC between two ticks times that
work. The hypervisor says when a VM was down (`vm NAME: restarted (restart
k); down from TSC A to B`) and the attacker says when each attack ran
(`... from TSC 0xA to 0xB ...`). From these:

* the ticks are gap-free: numbered 1..N without a hole, TSC increasing;
* every restart window holds at least one tick: the victim went on while
  the other VM was down and being rebuilt;
* per phase (each attack, each restart window, and the quiet stretch after
  the attacker finished) the median TSC per tick, and its ratio to quiet.

Bochs's TSC counts instructions (`clock: sync=none`), so the figures are
path lengths, not wall time.
"""
from __future__ import annotations

import re
import statistics
from dataclasses import dataclass, field

TICK = re.compile(r"^\[(?P<vm>[\w.-]+)\] \S+: tick (?P<i>\d+)/(?P<n>\d+) tsc (?P<tsc>\d+)$")
DOWN = re.compile(r"^vm (?P<vm>[\w.-]+): restarted \(restart (?P<k>\d+)\); down from TSC (?P<a>\d+) to (?P<b>\d+)$")
ATTACK = re.compile(r"^\[(?P<vm>[\w.-]+)\] \S+: (?P<what>.*?) from TSC (?P<a>0x[0-9a-f]+)(?: to (?P<b>0x[0-9a-f]+))?")


@dataclass
class Phase:
    name: str
    start: int
    end: int
    ticks: int = 0
    median: float | None = None


@dataclass
class Progress:
    problems: list[str] = field(default_factory=list)
    phases: list[Phase] = field(default_factory=list)
    quiet_median: float | None = None
    ticks: int = 0


def _median_in(ticks: list[int], start: int, end: int) -> tuple[int, float | None]:
    """Ticks whose whole interval lies in [start, end], and their median."""
    gaps = [b - a for a, b in zip(ticks, ticks[1:]) if a >= start and b <= end]
    inside = sum(1 for t in ticks if start <= t <= end)
    return inside, (statistics.median(gaps) if gaps else None)


def analyse(lines: list[str], victim: str, attacker: str) -> Progress:
    out = Progress()
    ticks: list[int] = []
    total = None
    for line in lines:
        m = TICK.match(line.rstrip())
        if m and m["vm"] == victim:
            i, total = int(m["i"]), int(m["n"])
            if i != len(ticks) + 1:
                out.problems.append(f"{victim}: tick {i} follows tick {len(ticks)}: a gap")
            elif ticks and int(m["tsc"]) <= ticks[-1]:
                out.problems.append(f"{victim}: tick {i}'s TSC does not increase")
            ticks.append(int(m["tsc"]))
    out.ticks = len(ticks)
    if not ticks or total is None or len(ticks) != total:
        out.problems.append(f"{victim}: {len(ticks)} ticks, expected {total}")
        return out
    last_attack = 0
    for line in lines:
        line = line.rstrip()
        d = DOWN.match(line)
        if d and d["vm"] == attacker:
            a, b = int(d["a"]), int(d["b"])
            phase = Phase(f"{attacker} down, restart {d['k']}", a, b)
            phase.ticks, phase.median = _median_in(ticks, a, b)
            if phase.ticks == 0 and b < ticks[-1]:
                out.problems.append(f"{victim}: no tick while {attacker} was down for restart {d['k']} "
                                    f"(TSC {a}-{b})")
            out.phases.append(phase)
            last_attack = max(last_attack, b)
            continue
        m = ATTACK.match(line)
        if m and m["vm"] == attacker and m["b"]:
            a, b = int(m["a"], 16), int(m["b"], 16)
            phase = Phase(f"{attacker}: {m['what']}", a, b)
            phase.ticks, phase.median = _median_in(ticks, a, b)
            out.phases.append(phase)
            last_attack = max(last_attack, b)
    _, out.quiet_median = _median_in(ticks, last_attack, ticks[-1])
    return out


def report(p: Progress) -> list[str]:
    """Printable lines: each phase's median TSC per tick against quiet."""
    rows = [f"progress: {p.ticks} ticks; quiet median {p.quiet_median} TSC per tick"]
    for ph in p.phases:
        ratio = (f"{ph.median / p.quiet_median:.2f}x quiet" if ph.median and p.quiet_median
                 else "no whole tick inside")
        rows.append(f"progress: {ph.name}: TSC {ph.start}-{ph.end}, {ph.ticks} ticks, "
                    f"median {ph.median}, {ratio}")
    return rows

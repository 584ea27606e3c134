# SPDX-License-Identifier: MIT
"""Conclusions of `nucleo bench smp`, computed from the measured numbers.

Why computed: the paragraph under the table must say whether the per-core
cost stays flat, and a hand-written verdict would go stale with the next
kernel change. Thresholds are named constants so they can be argued about.
The delay check also guards the method: if removing the INIT delay does
not remove about that many ticks, the ticks do not follow the kernel's
sequence, and the report says so instead of presenting them as its cost.
"""
from __future__ import annotations

from .svgplot import si

FLAT = 1.25           # max/min per-core cost still called "flat"
DELAY_SHOWS = 0.5     # share of the INIT delay that must appear in the count
SIPI_WAIT_US = 200    # the kernel's wait after each SIPI (SDM)
LABEL = {"qemu": "QEMU icount", "bochs": "Bochs"}
ADJ = {"flat": "flat", "falls": "falling", "grows": "growing",
       "varies": "uneven"}


def delay_text(delay_us: int | None, default_us: int = 10000) -> str:
    if delay_us is None:
        return f"{default_us // 1000} ms (default)"
    return f"{delay_us} µs"


def per_core(o) -> float | None:
    """Instructions per added core, or None (failed run, or no AP)."""
    if o.failure is not None or o.case.cores < 2:
        return None
    return o.instructions / (o.case.cores - 1)


def series(outcomes) -> dict[tuple, list]:
    """(emulator, mode, delay) -> good outcomes with N >= 2, by N."""
    out: dict[tuple, list] = {}
    for o in outcomes:
        if per_core(o) is not None:
            key = (o.case.emulator, o.case.mode, o.case.delay_us)
            out.setdefault(key, []).append(o)
    for runs in out.values():
        runs.sort(key=lambda o: o.case.cores)
    return out


def trend(values: list[float]) -> str:
    """'flat', 'falls', 'grows' or 'varies' for a sequence over N."""
    lo, hi = min(values), max(values)
    if hi <= FLAT * lo:
        return "flat"
    ups = sum(b > a for a, b in zip(values, values[1:]))
    downs = sum(b < a for a, b in zip(values, values[1:]))
    if values[-1] < values[0] and ups == 0:
        return "falls"
    if values[-1] > values[0] and downs == 0:
        return "grows"
    return "varies"


def _describe(runs) -> str:
    vals = [per_core(o) for o in runs]
    first, last = runs[0], runs[-1]
    kind = trend(vals)
    span = (f"{si(vals[0])} at N={first.case.cores} → "
            f"{si(vals[-1])} at N={last.case.cores}")
    if len(runs) < 2:
        return f"{span} (one point only)"
    if kind == "flat":
        spread = 100 * (max(vals) / min(vals) - 1)
        how = f"stays flat (all within {spread:.0f} % of each other)"
    elif kind == "varies":
        how = (f"does not move one way (between {si(min(vals))} and "
               f"{si(max(vals))})")
    elif kind == "falls":
        how = f"falls ÷{vals[0] / vals[-1]:.2g}"
    else:
        how = f"grows ×{vals[-1] / vals[0]:.2g}"
    return (f"{span}: {how}; total {si(first.instructions)} → "
            f"{si(last.instructions)}")


def _delay_check(outcomes, emu: str, delay_us: int) -> str | None:
    """Compare runs with and without the INIT delay at equal N and mode."""
    by = {(o.case.cores, o.case.mode, o.case.delay_us): o for o in outcomes
          if o.case.emulator == emu and o.failure is None and o.case.cores > 1}
    pairs = []  # (N, mode, with delay, without, ticks of the delay)
    for (n, mode, delay), o in sorted(by.items(),
                                      key=lambda kv: kv[0][:2]):
        zero = by.get((n, mode, 0))
        if delay is not None or zero is None:
            continue
        khz = o.result.get("tsc_khz") or 0
        expect = delay_us * khz / 1000 * (
            n - 1 if mode == "serial" else 1)
        pairs.append((n, mode, o, zero, expect))
    if not pairs:
        return None
    shows = [p for p in pairs
             if p[2].instructions - p[3].instructions >= DELAY_SHOWS * p[4]]
    hidden = [p for p in pairs if p not in shows]
    n, mode, with_d, without, expect = (hidden or pairs)[-1]
    example = (f"N={n} {mode}: {with_d.instructions:,} with the delay, "
               f"{without.instructions:,} without; the delay alone is "
               f"{expect:,.0f} ticks")
    if len(shows) == len(pairs):
        return (f"Removing the {delay_us // 1000} ms INIT delay "
                f"saves about the delay itself in every pair ({example}), so "
                "the counts follow the kernel's INIT-SIPI-SIPI sequence.")
    return (f"Removing the {delay_us // 1000} ms INIT delay "
            f"saves less than half of it in {len(pairs) - len(shows)} of "
            f"{len(pairs)} pairs ({example}). In those, the count is "
            "dominated by when the emulator lets a woken AP run (its clock "
            "runs on until then), not by the kernel. Read these rows as the "
            "emulator's scheduling, not as a cost of nucleo's bring-up."
            + _host_time(hidden))


def _sipi_note(runs) -> str:
    """Without an INIT delay, serial per-core cost should approach the
    200 µs SIPI wait that every AP but the last pays; say so if it does."""
    last = runs[-1]
    wait = SIPI_WAIT_US * (last.result.get("tsc_khz") or 0) / 1000
    if last.case.mode != "serial" or len(runs) < 2 or not wait:
        return ""
    if abs(per_core(last) / wait - 1) > 1 - 1 / FLAT:
        return ""
    return (f"; it approaches the {SIPI_WAIT_US} µs SIPI wait "
            f"({wait:,.0f} ticks) that every AP but the last one pays")


def _host_time(pairs) -> str:
    """Evidence from host seconds: the pair whose boots ran at the most
    different ticks per host second, if they differ at least tenfold."""
    def ratio(p) -> float:
        a, b = p[2], p[3]
        if not (a.elapsed > 0 and b.elapsed > 0 and a.instructions):
            return 0.0
        return (b.instructions / b.elapsed) / (a.instructions / a.elapsed)
    best = max(pairs, key=ratio, default=None)
    if best is None or ratio(best) < 10:
        return ""
    n, mode, a, b, _ = best
    return (" Host time shows that these ticks are not all executed "
            f"instructions: at N={n} {mode}, the boot without the delay "
            f"counted {si(b.instructions)} ticks and took {b.elapsed:.1f} s "
            f"of host time in all, the one with it {si(a.instructions)} "
            f"ticks in {a.elapsed:.1f} s.")


def analysis(outcomes, delay_us: int) -> str:
    found = series(outcomes)
    paras = []
    for emu in ("qemu", "bochs"):
        keys = [k for k in found if k[0] == emu]
        if not keys:
            continue
        lines = [f"**{LABEL[emu]}**, instructions per added core:", ""]
        for mode in ("serial", "parallel"):
            for delay in (None, 0):
                runs = found.get((emu, mode, delay))
                if runs:
                    note = _sipi_note(runs) if delay == 0 else ""
                    lines.append(f"- {mode}, INIT delay "
                                 f"{delay_text(delay, delay_us)}"
                                 f": {_describe(runs)}{note}.")
        verdict = []
        for delay in (None, 0):
            s = found.get((emu, "serial", delay))
            p = found.get((emu, "parallel", delay))
            if not (s and p and len(s) > 1 and len(p) > 1):
                continue
            ts = trend([per_core(o) for o in s])
            tp = trend([per_core(o) for o in p])
            text = (f"With the {delay_text(delay, delay_us)} "
                    f"INIT delay the per-core cost is {ADJ[ts]} in serial "
                    f"mode and {ADJ[tp]} in parallel mode")
            if ts == "flat" and tp == "falls":
                text += (": serial pays the INIT delay and the 200 µs SIPI "
                         "wait once per AP, parallel once for all APs, so "
                         "its share per core shrinks as N grows")
            verdict.append(text + ".")
        check = _delay_check(outcomes, emu, delay_us)
        lines += ["", " ".join(verdict + ([check] if check else []))]
        paras.append("\n".join(lines))
    return "\n\n".join(paras) or "No run succeeded with N ≥ 2."

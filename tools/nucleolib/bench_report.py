# SPDX-License-Identifier: MIT
"""The report of `nucleo bench smp`: markdown table, prose and SVG plot.

Kept apart from the runner so the wording can be changed and re-checked
without booting anything. The prose about trends is derived from the
numbers (thresholds below), never written by hand, so a re-run with a
changed kernel cannot leave a stale conclusion behind.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

from . import svgplot

FLAT = 1.25           # max/min per-core cost still called "flat"
DELAY_SHOWS = 0.5     # share of the INIT delay that must appear in the count
LABEL = {"qemu": "QEMU icount", "bochs": "Bochs"}
COLOR = {("qemu", "serial"): "#1f77b4", ("qemu", "parallel"): "#ff7f0e",
         ("bochs", "serial"): "#2ca02c", ("bochs", "parallel"): "#d62728"}


@dataclass
class Meta:
    """Facts about the sweep that the report states."""
    invocation: str
    kernel_sha: str
    versions: dict[str, str]
    started: float
    banner: str = ""
    default_delay_us: int = 10000
    memory_mib: int = 256
    bochs_model: str = ""
    extra: list[str] = field(default_factory=list)


def delay_text(delay_us: int | None, default_us: int = 10000) -> str:
    if delay_us is None:
        return f"{default_us // 1000} ms (default)"
    return f"{delay_us} µs"


def per_core(o) -> float | None:
    if o.failure is not None or o.case.cores < 2:
        return None
    return o.instructions / (o.case.cores - 1)


def markdown_table(outcomes) -> str:
    rows = ["| emulator | N | mode | INIT delay | APIC | instructions, first "
            "INIT → last AP online | per added core |",
            "|---|--:|---|---|---|--:|--:|"]
    for o in outcomes:
        c = o.case
        apic = (o.result or {}).get("apic_mode", "?")
        if o.failure is not None:
            total, each = f"failed ({o.failure})", "—"
        else:
            total = f"{o.instructions:,}"
            each = "— (no AP)" if c.cores < 2 else f"{round(per_core(o)):,}"
        rows.append(f"| {LABEL[c.emulator]} | {c.cores} | {c.mode} | "
                    f"{delay_text(c.delay_us)} | {apic} | {total} | {each} |")
    return "\n".join(rows)


def _series(outcomes) -> dict[tuple, list]:
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
    span = (f"{svgplot.si(vals[0])} at N={first.case.cores} → "
            f"{svgplot.si(vals[-1])} at N={last.case.cores}")
    if len(runs) < 2:
        return f"{span} (one point only)"
    if kind == "flat":
        how = (f"stays flat (all within {100 * (max(vals) / min(vals) - 1):.0f}"
               " % of each other)")
    elif kind == "varies":
        how = (f"does not move one way (between {svgplot.si(min(vals))} and "
               f"{svgplot.si(max(vals))})")
    else:
        how = f"{'falls' if kind == 'falls' else 'grows'} " \
              f"×{vals[-1] / vals[0]:.2g}"
    return (f"{span}: {how}; total {svgplot.si(first.instructions)} → "
            f"{svgplot.si(last.instructions)}")


def _delay_check(outcomes, emu: str, meta: Meta) -> str | None:
    """Compare runs with and without the INIT delay at equal N and mode."""
    by = {(o.case.cores, o.case.mode, o.case.delay_us): o for o in outcomes
          if o.case.emulator == emu and o.failure is None and o.case.cores > 1}
    pairs = []
    for (n, mode, delay), o in sorted(by.items()):
        zero = by.get((n, mode, 0))
        if delay is not None or zero is None:
            continue
        khz = o.result.get("tsc_khz") or 0
        expect = meta.default_delay_us * khz / 1000 * (
            n - 1 if mode == "serial" else 1)
        pairs.append((n, mode, o.instructions, zero.instructions, expect))
    if not pairs:
        return None
    shows = [p for p in pairs if p[2] - p[3] >= DELAY_SHOWS * p[4]]
    n, mode, with_d, without, expect = pairs[len(pairs) // 2]
    example = (f"N={n} {mode}: {with_d:,} with the delay, {without:,} "
               f"without; the delay alone is {expect:,.0f} ticks")
    if len(shows) == len(pairs):
        return (f"Removing the {meta.default_delay_us // 1000} ms INIT delay "
                f"saves about the delay itself in every pair ({example}), so "
                "the counts follow the kernel's INIT-SIPI-SIPI sequence.")
    return (f"Removing the {meta.default_delay_us // 1000} ms INIT delay "
            f"saves less than half of it in {len(pairs) - len(shows)} of "
            f"{len(pairs)} pairs ({example}). There, the count is dominated "
            "by when the emulator lets a woken AP run, not by the kernel: "
            "the boot CPU keeps spinning (and counting) until then. Read "
            "these rows as the emulator's scheduling, not as a cost of "
            "nucleo's bring-up.")


def analysis(outcomes, meta: Meta) -> str:
    series = _series(outcomes)
    paras = []
    for emu in ("qemu", "bochs"):
        keys = [k for k in series if k[0] == emu]
        if not keys:
            continue
        lines = [f"**{LABEL[emu]}**, instructions per added core:", ""]
        for mode in ("serial", "parallel"):
            for delay in (None, 0):
                runs = series.get((emu, mode, delay))
                if runs:
                    lines.append(f"- {mode}, INIT delay "
                                 f"{delay_text(delay, meta.default_delay_us)}"
                                 f": {_describe(runs)}.")
        verdict = []
        for delay in (None, 0):
            s, p = series.get((emu, "serial", delay)), series.get(
                (emu, "parallel", delay))
            if not (s and p and len(s) > 1 and len(p) > 1):
                continue
            ts = trend([per_core(o) for o in s])
            tp = trend([per_core(o) for o in p])
            text = (f"With the {delay_text(delay, meta.default_delay_us)} "
                    f"INIT delay the per-core cost is {ts} in serial mode and "
                    f"{tp} in parallel mode")
            if ts == "flat" and tp == "falls":
                text += (": serial pays the delay and the SIPI wait once per "
                         "AP, parallel once for all APs, so its share per "
                         "core shrinks as N grows")
            verdict.append(text + ".")
        check = _delay_check(outcomes, emu, meta)
        lines += ["", " ".join(verdict + ([check] if check else []))]
        paras.append("\n".join(lines))
    return "\n\n".join(paras) or "No run succeeded with N ≥ 2."


def _how(meta: Meta) -> str:
    d = meta.default_delay_us
    out = [
        "Every configuration is one boot of the same kernel ELF, equivalent "
        "to",
        "",
        "```sh",
        *(f"tools/nucleo run --emulator {emu}{' --icount' * (emu == 'qemu')}"
          f" --cores N --memory {meta.memory_mib} -- smp=MODE "
          "[smp.init_delay_us=0]" for emu in meta.versions),
        "```",
        "",
        "and the sweep was made with",
        "",
        "```sh",
        meta.invocation,
        "```",
        "",
        "- **QEMU** (TCG, `-machine pc`, default CPU, `-icount shift=0`): the "
        "guest TSC advances one tick per guest instruction (`tsc_khz` ≈ "
        "1000000). Under icount the vCPUs take turns on one host thread "
        "and every vCPU's instructions advance the same clock, so the count "
        "includes the boot CPU spinning while it waits.",
        "- **Bochs** (`clock: sync=none`, ips=50000000, CPU model "
        f"`{meta.bochs_model}`): the TSC follows the instruction count "
        "(`tsc_khz` ≈ 50000); runs are reproducible.",
        f"- Both report `smp_bringup_tsc`, quoted here as instructions, never "
        "seconds. Without `smp.init_delay_us` the kernel waits the SDM's "
        f"{d} µs between INIT and SIPI; 0 shows the intrinsic cost.",
        "- Every run must end with status `ok` and `cpus_online` = N; "
        "anything else is listed as failed.",
    ]
    for emu, version in meta.versions.items():
        out.append(f"- {LABEL[emu]} version: {version}")
    out.append(f"- Kernel: {meta.banner or 'nucleo'} (ELF sha256 "
               f"{meta.kernel_sha}…)")
    return "\n".join(out + meta.extra)


def document(outcomes, meta: Meta) -> str:
    date = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(meta.started))
    failed = [o for o in outcomes if o.failure is not None]
    parts = [
        "# SMP bring-up cost: INIT-SIPI-SIPI per core",
        "",
        f"Generated by `{meta.invocation}` on {date}; re-run it rather than "
        "editing this file.",
        "",
        "What is measured: the kernel's `smp_bringup_tsc`, the TSC ticks "
        "from the first INIT IPI the boot CPU sends to the moment the last "
        "application processor (AP) marks itself online (after loading its "
        "GDT, IDT, per-CPU data and local APIC). `serial` starts one AP at "
        "a time (INIT, delay, SIPI, 200 µs, second SIPI if needed, wait); "
        "`parallel` sends INIT to all APs, waits once, then SIPIs them all. "
        "*Per added core* is the total divided by N − 1.",
        "",
        "## How",
        "",
        _how(meta),
        "",
        "## Results",
        "",
        markdown_table(outcomes),
        "",
        "![instructions per added core](bench-smp.svg)",
        "",
        "## Does the per-core cost stay flat?",
        "",
        analysis(outcomes, meta),
    ]
    if failed:
        parts += ["", "## Failed runs", ""]
        parts += [f"- {LABEL[o.case.emulator]} N={o.case.cores} "
                  f"`{o.case.cmdline()}`: {o.failure}" for o in failed]
    return "\n".join(parts) + "\n"


def chart(outcomes, meta: Meta) -> svgplot.LineChart:
    series = _series(outcomes)
    xs = sorted({o.case.cores for runs in series.values() for o in runs})
    plot = svgplot.LineChart(
        "nucleo SMP bring-up: instructions per added core",
        svgplot.Axis("cores (N), log2", "log2", ticks=xs or None),
        svgplot.Axis("instructions per added core, log10", "log10"))
    for (emu, mode, delay), runs in sorted(
            series.items(), key=lambda kv: (kv[0][0] != "qemu", kv[0][1],
                                            kv[0][2] is not None)):
        plot.add(svgplot.Series(
            f"{LABEL[emu]}, {mode}, delay "
            f"{delay_text(delay, meta.default_delay_us)}",
            [(o.case.cores, per_core(o)) for o in runs],
            color=COLOR[(emu, mode)], dash="" if delay is None else "6 4",
            marker="square" if emu == "qemu" else "circle"))
    return plot


def write(outcomes, meta: Meta, out_dir: Path) -> list[Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    md = out_dir / "bench-smp.md"
    md.write_text(document(outcomes, meta))
    return [md, chart(outcomes, meta).write(out_dir / "bench-smp.svg")]

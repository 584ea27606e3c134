# SPDX-License-Identifier: MIT
"""`nucleo bench smp`: what bringing up application processors costs.

Every run boots the kernel with N CPUs and reads `smp_bringup_tsc` (TSC
ticks from the first INIT IPI to the last AP online) from its result line.
Wall-clock time in an emulator says nothing about the kernel, so we only
use emulators whose guest TSC is tied to executed instructions: QEMU TCG
with `-icount shift=0` (one tick per guest instruction) and Bochs with
`clock: sync=none` (ticks follow its instruction count). The numbers are
thus instruction counts that host load does not enter (Bochs repeats them
exactly; QEMU icount varied by about 1 % between identical boots here).

Each (N, serial|parallel, default INIT delay|0) is one boot; every run
must end with status ok and all N CPUs online, otherwise it is reported as
failed in the table and the command exits 1 after writing the report.
Runs are sequential: QEMU icount and Bochs are single-threaded, and one
run at a time keeps the host free for other work. Every console is kept
in <build>/bench-smp/logs, so `--replot` can rewrite the report (after a
change to its wording or plot) without booting again.
"""
from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from . import bench_report, bochs, build, console, packages

QEMU_CORES = (1, 2, 4, 8, 16, 32, 64)
BOCHS_CORES = (1, 2, 3, 4, 6, 8)
QUICK_CORES = (1, 2, 4)
MODES = ("serial", "parallel")
DEFAULT_DELAY_US = 10000      # the kernel's default, per the Intel SDM
DELAYS = (None, 0)            # None: leave smp.init_delay_us unset
MEMORY_MIB = 256
EMULATORS = ("qemu", "bochs")


@dataclass(frozen=True)
class Case:
    """One boot of the sweep."""
    emulator: str
    cores: int
    mode: str
    delay_us: int | None      # None: the kernel's default

    def cmdline(self) -> str:
        # vmx=off: the boot ends after the cores are up, so QEMU (no VT-x)
        # and Bochs end alike with status ok and no guests to wait for.
        args = [f"smp={self.mode}", "vmx=off"]
        if self.delay_us is not None:
            args.append(f"smp.init_delay_us={self.delay_us}")
        return " ".join(args)

    def name(self) -> str:
        delay = "default" if self.delay_us is None else f"{self.delay_us}us"
        return f"{self.emulator}-n{self.cores}-{self.mode}-delay{delay}"

    def timeout(self) -> float:
        """Generous: QEMU icount with 64 vCPUs needs minutes per boot."""
        if self.emulator == "bochs":
            return 300.0 + 60.0 * self.cores
        return 120.0 + 25.0 * self.cores


@dataclass
class Outcome:
    """What one Case produced; `failure` is None for a good run."""
    case: Case
    instructions: int | None = None
    failure: str | None = None
    result: dict | None = None
    elapsed: float = 0.0
    log: Path | None = None
    banner: str = ""
    tail: list[str] = field(default_factory=list)


def plan(emulators: list[str], max_cores: int | None,
         quick: bool) -> list[Case]:
    """The sweep, in the order it runs (cheap configurations first)."""
    cases = []
    for emu in emulators:
        cores = QUICK_CORES if quick else (
            QEMU_CORES if emu == "qemu" else BOCHS_CORES)
        for n in cores:
            if max_cores is not None and n > max_cores:
                continue
            for mode in MODES:
                for delay in DELAYS:
                    cases.append(Case(emu, n, mode, delay))
    return cases


def check(case: Case, res: console.RunResult) -> str | None:
    """Why the run does not count, or None if it does."""
    r = res.result
    if r is None:
        return (f"timeout after {case.timeout():g} s" if res.timed_out
                else f"no result line (exit {res.exit_code})")
    if r.get("status") != "ok":
        return f"status {r.get('status')}, code {r.get('code')}"
    online, expected = r.get("cpus_online"), r.get("cpus_expected")
    if online != case.cores or expected != case.cores:
        return f"{online}/{case.cores} CPUs online (MADT: {expected})"
    want = "none" if case.cores == 1 else case.mode
    if r.get("smp_mode") != want:
        return f"smp_mode {r.get('smp_mode')!r}, expected {want!r}"
    if not isinstance(r.get("smp_bringup_tsc"), int):
        return "no smp_bringup_tsc in the result line"
    return None


def judge(case: Case, res: console.RunResult) -> Outcome:
    """The Outcome of one boot's RunResult (fresh or re-read from a log)."""
    out = Outcome(case, result=res.result, elapsed=res.elapsed,
                  failure=check(case, res), tail=res.lines[-25:])
    out.banner = next((ln for ln in res.lines if ln.startswith("nucleo ")),
                      "")
    if out.failure is None:
        out.instructions = res.result["smp_bringup_tsc"]
    return out


def run_case(case: Case, kernel: Path, log_dir: Path) -> Outcome:
    """Boot once (console not echoed; kept in a log file) and judge it."""
    res = console.run_kernel(
        case.emulator, case.cores, MEMORY_MIB, case.timeout(),
        case.cmdline(), kernel=kernel, icount=case.emulator == "qemu",
        echo=False)
    out = judge(case, res)
    out.log = log_dir / f"{case.name()}.log"
    out.log.write_text(
        f"# {case.emulator} cores={case.cores} cmdline={case.cmdline()!r}\n"
        f"# exit {res.exit_code}, {res.elapsed:.1f} s, failure: "
        f"{out.failure}\n" + "".join(f"# note: {n}\n" for n in res.notes)
        + "\n".join(res.lines) + "\n")
    return out


def load_case(case: Case, log_dir: Path) -> Outcome | None:
    """Re-judge a boot from the log run_case wrote (None if none)."""
    log = log_dir / f"{case.name()}.log"
    try:
        text = log.read_text().splitlines()
    except OSError:
        return None
    head = [ln for ln in text[:2] if ln.startswith("# ")]
    lines = [ln for ln in text if not ln.startswith("# ")]
    fields = head[-1][2:].split(", ") if len(head) == 2 else []
    code = int(fields[0].split()[1]) if fields else console.EXIT_NO_RESULT
    elapsed = float(fields[1].split()[0]) if len(fields) > 1 else 0.0
    result = console.result_of(lines)
    res = console.RunResult(lines, result, code,
                            code == console.EXIT_TIMEOUT and result is None,
                            case.emulator, elapsed=elapsed)
    out = judge(case, res)
    out.log = log
    return out


def emulator_version(emulator: str) -> str:
    """`qemu-system-x86_64 --version` line 1, or the Bochs banner."""
    argv = (["qemu-system-x86_64", "--version"] if emulator == "qemu"
            else ["bochs", "--help"])
    try:
        proc = subprocess.run(argv, stdin=subprocess.DEVNULL,
                              capture_output=True, text=True, timeout=30,
                              check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"unknown ({exc})"
    lines = [ln.strip() for ln in (proc.stdout + proc.stderr).splitlines()]
    if emulator == "qemu":
        return next((ln for ln in lines if ln.startswith("QEMU")), "unknown")
    keep = [ln for ln in lines
            if ln.startswith("Bochs x86 Emulator") or ln.startswith("Built")]
    return ", ".join(keep) or "unknown"


def snapshot_kernel(kernel: str, work: Path) -> tuple[Path, str]:
    """Copy the ELF so a rebuild during the sweep cannot mix binaries.

    The copy's name must not match build.kernel_path()'s fallback glob
    (nucleo.elf, nucleo-kernel*), or `nucleo run` would boot the copy.
    """
    work.mkdir(parents=True, exist_ok=True)
    copy = work / "bench-snapshot.elf"
    shutil.copyfile(kernel, copy)
    digest = hashlib.sha256(copy.read_bytes()).hexdigest()[:16]
    return copy, digest


def _progress(i: int, total: int, o: Outcome) -> None:
    c = o.case
    delay = "default" if c.delay_us is None else f"{c.delay_us} us"
    what = (f"{o.instructions:,} instructions" if o.failure is None
            else f"FAILED: {o.failure} (console: {o.log})")
    print(f"nucleo: bench [{i}/{total}] {c.emulator} N={c.cores} {c.mode} "
          f"delay {delay}: {what} ({o.elapsed:.1f} s)",
          file=sys.stderr, flush=True)
    if o.failure is not None:
        print("  " + "\n  ".join(o.tail), file=sys.stderr, flush=True)


def _invocation(args) -> str:
    parts = ["tools/nucleo", "bench", "smp"]
    if args.quick:
        parts.append("--quick")
    if args.emulator:
        parts += ["--emulator", args.emulator]
    if args.max_cores:
        parts += ["--max-cores", str(args.max_cores)]
    if args.out_dir:
        parts += ["--out-dir", args.out_dir]
    return " ".join(parts)


def _sweep(args, cases, emulators, work: Path, meta, make_kernel
           ) -> list[Outcome]:
    packages.ensure(["iso", *emulators] + ([] if args.kernel else ["build"]))
    kernel, meta.kernel_sha = snapshot_kernel(make_kernel(args.kernel), work)
    log_dir = work / "logs"
    log_dir.mkdir(parents=True, exist_ok=True)
    for old in log_dir.glob("*.log"):   # --replot must not mix sweeps
        old.unlink()
    outcomes = []
    # Bochs first: its whole sweep takes minutes, QEMU's N=64 boots longer.
    for i, case in enumerate(sorted(cases,
                                    key=lambda c: c.emulator != "bochs"), 1):
        outcomes.append(run_case(case, kernel, log_dir))
        _progress(i, len(cases), outcomes[-1])
    return sorted(outcomes, key=lambda o: cases.index(o.case))


def _reload(cases, log_dir: Path, work: Path, meta) -> list[Outcome]:
    """--replot: the last sweep's outcomes, re-judged from its logs."""
    outcomes = [o for o in (load_case(c, log_dir) for c in cases) if o]
    snapshot = work / "bench-snapshot.elf"
    if snapshot.exists():
        meta.kernel_sha = hashlib.sha256(
            snapshot.read_bytes()).hexdigest()[:16]
    if outcomes:
        meta.started = min(o.log.stat().st_mtime for o in outcomes)
    print(f"nucleo: report from {len(outcomes)} logs in {log_dir} (no boots)",
          file=sys.stderr)
    return outcomes


def cmd_smp(args, cmdline: str, make_kernel: Callable[[str | None], str]
            ) -> int:
    """Entry point of `nucleo bench smp`; returns the exit status."""
    if cmdline:
        print("nucleo: bench sets the kernel command line itself; drop the "
              "arguments after --", file=sys.stderr)
        return 2
    if args.quick and args.emulator not in (None, "qemu"):
        print("nucleo: --quick is QEMU only", file=sys.stderr)
        return 2
    choice = "qemu" if args.quick else (args.emulator or "both")
    emulators = list(EMULATORS) if choice == "both" else [choice]
    out_dir = Path(args.out_dir) if args.out_dir else (
        build.build_dir() / "bench" if args.quick
        else build.repo_root() / "docs")
    work = build.build_dir() / "bench-smp"
    log_dir = work / "logs"
    cases = plan(emulators, args.max_cores, args.quick)
    meta = bench_report.Meta(
        invocation=_invocation(args), kernel_sha="",
        versions={e: emulator_version(e) for e in emulators},
        started=time.time(), default_delay_us=DEFAULT_DELAY_US,
        memory_mib=MEMORY_MIB, bochs_model=bochs.DEFAULT_CPU_MODEL)
    if args.replot:
        outcomes = _reload(cases, log_dir, work, meta)
        if not outcomes:
            print(f"nucleo: no logs of this sweep in {log_dir}",
                  file=sys.stderr)
            return 1
    else:
        outcomes = _sweep(args, cases, emulators, work, meta, make_kernel)
    # Not reached on Ctrl-C: a partial sweep must not replace the report.
    meta.banner = next((o.banner for o in outcomes if o.banner), "")
    for path in bench_report.write(outcomes, meta, out_dir):
        print(f"nucleo: wrote {path}", file=sys.stderr)
    print(bench_report.markdown_table(outcomes))
    failed = [o for o in outcomes if o.failure is not None]
    if failed:
        print(f"nucleo: {len(failed)} of {len(outcomes)} runs failed; "
              f"consoles in {log_dir}", file=sys.stderr)
        return 1
    return 0

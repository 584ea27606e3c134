# SPDX-License-Identifier: MIT
"""`nucleo fuzz [--minutes N]`: every libFuzzer target of host-tests/fuzz for
N minutes each, with a kept corpus.

Each target `X_fuzz` runs on `<build>/host-tests/corpus/X_fuzz` (the corpus
CTest's short runs grow too; new inputs stay there) seeded from
host-tests/data/X_fuzz or host-tests/data/X, as CMake registers it. The
executions of every campaign are added up per target in
`<build>/host-tests/corpus/executions.json`, so the total a target has had
over all campaigns on this machine is known (docs/security.md records it).
A crash stops that target's campaign, keeps its reproducer in the corpus
folder (libFuzzer's `crash-*`), and makes the command fail.
"""
from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

from . import build

EXECUTED = re.compile(r"stat::number_of_executed_units:\s*(\d+)")


def targets() -> list[str]:
    return sorted(p.stem for p in (build.repo_root() / "host-tests" / "fuzz").glob("*_fuzz.cpp"))


def seeds(name: str) -> list[Path]:
    data = build.repo_root() / "host-tests" / "data"
    found = [data / d for d in (name, name.removesuffix("_fuzz")) if (data / d).is_dir()]
    return found or [data]


def run_target(name: str, seconds: int, corpus: Path) -> tuple[int, int]:
    """One campaign; (executions, libFuzzer's status)."""
    binary = build.build_dir() / "host-tests" / name
    corpus.mkdir(parents=True, exist_ok=True)
    argv = [str(binary), f"-max_total_time={seconds}", "-max_len=8192", "-print_final_stats=1",
            f"-artifact_prefix={corpus}/", str(corpus), *map(str, seeds(name))]
    print("nucleo: " + " ".join(argv), file=sys.stderr, flush=True)
    proc = subprocess.run(argv, check=False, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                          errors="replace")
    runs = sum(int(m.group(1)) for m in EXECUTED.finditer(proc.stderr))
    if proc.returncode != 0:
        sys.stderr.write(proc.stderr[-4000:])
    return runs, proc.returncode


def cmd_fuzz(args) -> int:
    names = targets()
    build.configure(force=False)
    for name in names:
        build.build(name)
    root = build.build_dir() / "host-tests" / "corpus"
    ledger_path = root / "executions.json"
    ledger = json.loads(ledger_path.read_text()) if ledger_path.exists() else {}
    failed = []
    seconds = max(1, int(args.minutes * 60))
    for name in names:
        runs, status = run_target(name, seconds, root / name)
        entry = ledger.setdefault(name, {"executions": 0, "seconds": 0, "campaigns": 0, "crashes": 0})
        entry["executions"] += runs
        entry["seconds"] += seconds
        entry["campaigns"] += 1
        entry["crashes"] += 1 if status != 0 else 0
        if status != 0:
            failed.append(name)
        ledger_path.write_text(json.dumps(ledger, indent=2, sort_keys=True) + "\n")
        print(f"nucleo: fuzz {name}: {runs:,} executions in {seconds} s "
              f"(total {entry['executions']:,} in {entry['campaigns']} campaigns)", flush=True)
    print("| target | executions (all campaigns) | seconds | crashes |")
    print("|---|---:|---:|---:|")
    for name in names:
        e = ledger.get(name, {})
        print(f"| `{name}` | {e.get('executions', 0):,} | {e.get('seconds', 0)} | {e.get('crashes', 0)} |")
    if failed:
        print(f"nucleo: fuzz: crashes in {', '.join(failed)} (reproducers in {root})", file=sys.stderr)
        return 1
    return 0

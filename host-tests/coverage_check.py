#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Run the coverage-instrumented host tests and gate the line coverage of
source folders (CTest's coverage.gate).

Runs the test binary with LLVM_PROFILE_FILE pointing into a fresh work
directory, merges the raw profiles with llvm-profdata, prints
`llvm-cov report` for every source file under each --sources folder (and
its subfolders), and fails when a folder's line coverage is below
--min-line-percent.

The gate cannot be fooled by what it does not see. Each of these fails:
- llvm-profdata or llvm-cov missing (Debian: llvm-14, which
  tools/nucleolib/packages.py installs with the build packages);
- a folder with no source file, or whose files hold no line at all;
- a .cpp file of a folder that is not in the binary's coverage mapping
  (never linked into the test binary): it would otherwise not count at
  all, so its lines count as uncovered and the file is named.
"""
from __future__ import annotations

import argparse
import glob
import json
import os
import shutil
import subprocess
import sys


def run(cmd: list[str], **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, check=False, text=True, **kwargs)


def fail(message: str) -> int:
    print(f"coverage: FAIL: {message}", file=sys.stderr)
    return 1


def tool_missing(path: str) -> bool:
    return not path or path.endswith("-NOTFOUND") or shutil.which(path) is None


def source_files(folder: str) -> list[str]:
    """Every .cpp and .hpp under `folder`, recursively, sorted."""
    found = []
    for root, _dirs, names in os.walk(folder):
        found += [os.path.join(root, n) for n in names if n.endswith((".cpp", ".hpp"))]
    return sorted(os.path.realpath(p) for p in found)


def source_lines(path: str) -> int:
    """Lines of a file the binary does not know, counted as llvm-cov would
    see them at most: every line that is not blank, a comment, a
    preprocessor directive or a lone brace."""
    n = 0
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            s = line.strip()
            if s and not s.startswith(("//", "#", "/*", "*")) and s not in ("{", "}", "};"):
                n += 1
    return n


def gate(folder: str, sources: list[str], measured: dict[str, dict], minimum: float) -> tuple[bool, str]:
    """Verdict and summary line for one folder."""
    covered = count = 0
    unlinked = []
    for path in sources:
        lines = measured.get(path)
        if lines is not None:
            covered += lines["covered"]
            count += lines["count"]
        elif path.endswith(".cpp"):
            unlinked.append(path)
            count += source_lines(path)
    problems = []
    if unlinked:
        problems.append("not in the test binary (their lines count as uncovered): "
                        + ", ".join(os.path.relpath(p, folder) for p in unlinked))
    if count == 0:
        problems.append("no lines found")
        percent = 0.0
    else:
        percent = 100.0 * covered / count
    ok = not problems and percent >= minimum
    summary = (f"coverage: {folder}: {len(sources)} files, {covered}/{count} lines, {percent:.2f}% "
               f"(minimum {minimum:g}%): {'ok' if ok else 'FAIL'}")
    for p in problems:
        summary += f"\ncoverage: {folder}: {p}"
    return ok, summary


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--binary", required=True)
    ap.add_argument("--llvm-profdata", required=True)
    ap.add_argument("--llvm-cov", required=True)
    ap.add_argument("--sources", required=True, action="append",
                    help="a folder whose files are gated (repeatable; subfolders included)")
    ap.add_argument("--work-dir", required=True)
    ap.add_argument("--min-line-percent", type=float, required=True)
    ap.add_argument("--gtest-filter", default="*", help="tests to run (GoogleTest filter)")
    args = ap.parse_args()

    for name, path in (("llvm-profdata", args.llvm_profdata), ("llvm-cov", args.llvm_cov)):
        if tool_missing(path):
            return fail(f"{name} not found ({path or 'not configured'}); install llvm-14 "
                        "(tools/nucleo test does, as root) and configure again")
    folders = [os.path.realpath(f) for f in args.sources]
    per_folder = {f: source_files(f) for f in folders}
    for f, files in per_folder.items():
        if not files:
            return fail(f"{f}: no source files to measure")

    shutil.rmtree(args.work_dir, ignore_errors=True)
    os.makedirs(args.work_dir)
    env = dict(os.environ, LLVM_PROFILE_FILE=os.path.join(args.work_dir, "tests-%p.profraw"))
    tests = run([args.binary, "--gtest_brief=1", "--gtest_filter=" + args.gtest_filter], env=env,
                stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    if tests.returncode != 0:
        print(tests.stdout)
        return fail(f"the instrumented tests failed (status {tests.returncode})")
    raw = glob.glob(os.path.join(args.work_dir, "*.profraw"))
    if not raw:
        return fail("the test binary wrote no profile")
    profile = os.path.join(args.work_dir, "tests.profdata")
    merge = run([args.llvm_profdata, "merge", "-sparse", "-o", profile, *raw])
    if merge.returncode != 0:
        return fail("llvm-profdata merge failed")

    every = sorted({p for files in per_folder.values() for p in files})
    cov = [args.llvm_cov, "-instr-profile=" + profile, args.binary, *every]
    report = run([cov[0], "report", *cov[1:]], stdout=subprocess.PIPE)
    if report.returncode != 0:
        return fail("llvm-cov report failed")
    print(report.stdout)
    export = run([cov[0], "export", "-summary-only", *cov[1:]], stdout=subprocess.PIPE)
    if export.returncode != 0:
        return fail("llvm-cov export failed")
    measured = {os.path.realpath(f["filename"]): f["summary"]["lines"]
                for f in json.loads(export.stdout)["data"][0]["files"]}

    ok = True
    for folder in folders:
        folder_ok, summary = gate(folder, per_folder[folder], measured, args.min_line_percent)
        print(summary)
        ok = ok and folder_ok
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
